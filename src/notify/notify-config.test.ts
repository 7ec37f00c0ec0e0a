/** `notifications:` settings: channels, secrets from the environment, routes, and clear refusals. */
import { describe, expect, it } from 'vitest';
import { loadNotificationSettings } from './notify-config.js';

const ENV = { HOOK_SECRET: 'whsec-0123456789abcdef', SLACK_URL: 'https://hooks.slack.com/services/T0/B0/xyz', SMTP_PASSWORD: 'pw' };

describe('loadNotificationSettings', () => {
  it('reads every channel kind, takes secrets from the environment and defaults the routes to every channel', () => {
    const problems: string[] = [];
    const settings = loadNotificationSettings(
      {
        throttle_minutes: 5,
        channels: [
          { id: 'soc', type: 'webhook', url: 'https://soc.example.com/hook', secret_env: 'HOOK_SECRET' },
          { id: 'chat', type: 'slack', webhook_url_env: 'SLACK_URL' },
          { id: 'mail', type: 'email', host: 'smtp.example.com', from: 'hidsmon@example.com', to: 'soc@example.com', username: 'hidsmon', password_env: 'SMTP_PASSWORD' },
          { id: 'pager', type: 'sns', topic_arn: 'arn:aws:sns:eu-west-1:123456789012:hids' },
        ],
      },
      ENV,
      'hidsmon.yaml: notifications',
      problems,
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      throttleMinutes: 5,
      channels: [
        { id: 'soc', type: 'webhook', url: 'https://soc.example.com/hook', secret: ENV.HOOK_SECRET },
        { id: 'chat', type: 'slack', webhookUrl: ENV.SLACK_URL },
        { id: 'mail', type: 'email', host: 'smtp.example.com', port: 587, from: 'hidsmon@example.com', to: ['soc@example.com'], username: 'hidsmon', password: 'pw' },
        { id: 'pager', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:hids', region: 'eu-west-1' },
      ],
      routes: [{ channels: ['soc', 'chat', 'mail', 'pager'] }],
    });
  });

  it('names each problem, and never echoes a secret', () => {
    const problems: string[] = [];
    loadNotificationSettings(
      {
        channels: [
          { id: 'soc', type: 'webhook', url: 'ftp://x', secret: 'short-secret' },
          { id: 'soc', type: 'pigeon' },
          { id: 'chat', type: 'slack', webhook_url_env: 'UNSET_VAR' },
        ],
        routes: [{ channels: ['nowhere'], severities: ['urgent'] }],
        colour: 'red',
      },
      {},
      'n',
      problems,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'n: unknown key "colour"; notifications take base_url, throttle_minutes, channels and routes.',
        "n.channels[0].url: the receiver's http(s) URL.",
        'n.channels[0].secret: at least 16 characters (the HMAC key the receiver checks the signature with).',
        'n.channels[1].id: "soc" is used by another channel.',
        'n.channels[1].type: webhook, slack, email or sns.',
        'n.channels[2].webhook_url_env: $UNSET_VAR is not set (or empty).',
        'n.routes[0].severities: a list of low, medium, high, critical.',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret');
  });
});
