/**
 * @module The Amazon SNS channel: Publish through the AWS SDK v3 SNS client to a topic, the
 * plain-text rendering as the message. Region and endpoint configurable (a VPC endpoint, or moto in
 * tests); credentials from the SDK's default chain unless given. The SDK's own retries are off:
 * the dispatcher's policy is the one that retries, and logs each attempt.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Detection } from '../core/detection.js';
import type { AttemptOutcome } from '../pipeline/retry.js';
import { ChannelError, type NotificationChannel } from './channel.js';
import { renderText, subjectLine } from './render.js';

export interface SnsChannelConfig {
  id: string;
  topicArn: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  baseUrl: string;
}

/** SNS's Subject: printable ASCII, no line breaks, under 100 characters. */
export function snsSubject(detection: Detection): string {
  return subjectLine(detection).replace(/[^\x20-\x7e]/g, '?').slice(0, 99);
}

/** SNS's Message limit is 256 KiB; the text is far smaller, but a cap keeps a bug from being an error. */
const MAX_MESSAGE_CHARS = 200_000;

export function snsChannel(config: SnsChannelConfig): NotificationChannel {
  const client = new SNSClient({
    region: config.region,
    maxAttempts: 1,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return {
    id: config.id,
    kind: 'sns',
    async send(detection: Detection, signal: AbortSignal): Promise<AttemptOutcome> {
      try {
        await client.send(
          new PublishCommand({
            TopicArn: config.topicArn,
            Subject: snsSubject(detection),
            Message: renderText(detection, config.baseUrl).slice(0, MAX_MESSAGE_CHARS),
            MessageAttributes: { detection_id: { DataType: 'String', StringValue: detection.id }, severity: { DataType: 'String', StringValue: detection.rule.severity } },
          }),
          { abortSignal: signal },
        );
        return { kind: 'ok', value: undefined };
      } catch (e) {
        const error = e as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
        const status = error.$metadata?.httpStatusCode;
        const wrapped = new ChannelError(error.name || 'sns', `SNS ${config.id} (${config.topicArn}): ${error.message}`, { cause: e });
        // No answer at all (refused, reset, timed out) or a throttle or 5xx: try again.
        const transient = signal.aborted || error.$retryable !== undefined || status === undefined || status === 429 || status >= 500;
        return transient ? { kind: 'retryable', error: wrapped } : { kind: 'fatal', error: wrapped };
      }
    },
    async close() {
      client.destroy();
    },
  };
}
