/**
 * @module Settings → channels → dispatcher. The one place a channel's settings become a client
 * (reads an e-mail channel's CA file, so not pure; the server's composition calls it).
 */
import { readFileSync } from 'node:fs';
import type { NotificationChannel } from './channel.js';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
import { emailChannel } from './email-channel.js';
import type { ChannelSettings, NotificationSettings } from './notify-config.js';
import { slackChannel } from './slack-channel.js';
import { snsChannel } from './sns-channel.js';
import { webhookChannel } from './webhook-channel.js';

export function buildChannel(settings: ChannelSettings, baseUrl: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): NotificationChannel {
  switch (settings.type) {
    case 'webhook':
      return webhookChannel({ id: settings.id, url: settings.url, secret: settings.secret, baseUrl });
    case 'slack':
      return slackChannel({ id: settings.id, webhookUrl: settings.webhookUrl, baseUrl });
    case 'email':
      return emailChannel({
        id: settings.id,
        host: settings.host,
        port: settings.port,
        from: settings.from,
        to: settings.to,
        ...(settings.username !== undefined ? { username: settings.username } : {}),
        ...(settings.password !== undefined ? { password: settings.password } : {}),
        ...(settings.caFile !== undefined ? { ca: readFile(settings.caFile) } : {}),
        baseUrl,
      });
    case 'sns':
      return snsChannel({ id: settings.id, topicArn: settings.topicArn, region: settings.region ?? 'us-east-1', ...(settings.endpoint ? { endpoint: settings.endpoint } : {}), baseUrl });
  }
}

export function buildNotifier(settings: NotificationSettings, defaultBaseUrl: string, options: Omit<DispatcherOptions, 'channels' | 'routes' | 'throttleMs'> = {}, readFile?: (path: string) => string): NotificationDispatcher {
  const baseUrl = settings.baseUrl ?? defaultBaseUrl;
  return new NotificationDispatcher({
    ...options,
    channels: settings.channels.map((c) => buildChannel(c, baseUrl, readFile)),
    routes: settings.routes,
    throttleMs: settings.throttleMinutes * 60_000,
  });
}
