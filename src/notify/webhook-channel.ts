/**
 * @module The webhook channel: the detection as JSON, POSTed with a Stripe-style HMAC-SHA256
 * signature over the timestamp and the body (webhook-signature.ts).
 */
import type { Detection } from '../core/detection.js';
import type { AttemptOutcome } from '../pipeline/retry.js';
import type { NotificationChannel } from './channel.js';
import { postJson } from './channel.js';
import { renderWebhookBody } from './render.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookChannelConfig {
  id: string;
  url: string;
  secret: string;
  /** Where the Discover link points: the server's public URL. */
  baseUrl: string;
  now?: () => number;
}

export function webhookChannel(config: WebhookChannelConfig): NotificationChannel {
  const now = config.now ?? Date.now;
  return {
    id: config.id,
    kind: 'webhook',
    send(detection: Detection, signal: AbortSignal): Promise<AttemptOutcome> {
      const body = renderWebhookBody(detection, config.baseUrl);
      // Signed per attempt: a retry an hour later carries a fresh timestamp, not a stale one.
      const headers = { [SIGNATURE_HEADER]: signWebhook(config.secret, body, now()), 'x-hidsmon-detection-id': detection.id };
      return postJson(config.url, body, headers, signal, `Webhook ${config.id}`);
    },
  };
}
