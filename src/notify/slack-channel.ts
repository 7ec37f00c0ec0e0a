/**
 * @module The Slack channel: a message to an incoming webhook (text plus Block Kit blocks), alert
 * values escaped for mrkdwn (render.ts). The webhook URL is itself the secret.
 */
import type { Detection } from '../core/detection.js';
import type { AttemptOutcome } from '../pipeline/retry.js';
import { postJson, type NotificationChannel } from './channel.js';
import { renderSlack } from './render.js';

export interface SlackChannelConfig {
  id: string;
  webhookUrl: string;
  baseUrl: string;
}

export function slackChannel(config: SlackChannelConfig): NotificationChannel {
  return {
    id: config.id,
    kind: 'slack',
    send(detection: Detection, signal: AbortSignal): Promise<AttemptOutcome> {
      // Never the URL in a message: it is the channel's credential.
      return postJson(config.webhookUrl, JSON.stringify(renderSlack(detection, config.baseUrl)), {}, signal, `Slack ${config.id}`);
    },
  };
}
