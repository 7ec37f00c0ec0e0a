/**
 * @module A notification channel: one `send` per detection, its outcome a tagged union (the
 * pipeline's AttemptOutcome), so that the dispatcher retries `retryable` and gives up on `fatal`.
 * Also the one mapping from an HTTP answer to that outcome, shared by the webhook and Slack.
 */
import type { Detection } from '../core/detection.js';
import { classifyError, isRetryableStatus, parseRetryAfterMs, type AttemptOutcome } from '../pipeline/retry.js';

export type ChannelKind = 'webhook' | 'slack' | 'email' | 'sns';

export interface NotificationChannel {
  id: string;
  kind: ChannelKind;
  /** One attempt; `signal` aborts it (the attempt's timeout, or shutdown). Never throws for I/O. */
  send(detection: Detection, signal: AbortSignal): Promise<AttemptOutcome>;
  close?(): Promise<void>;
}

export class ChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChannelError';
  }
}

/** An HTTP answer as an outcome: 2xx ok, 408/429/5xx retryable (with Retry-After), any other fatal. */
export async function httpOutcome(response: Response, what: string): Promise<AttemptOutcome> {
  if (response.ok) {
    await response.body?.cancel();
    return { kind: 'ok', value: undefined };
  }
  // A little of the body says why (Slack answers `invalid_token`, `channel_not_found`, ...).
  const why = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
  const error = new ChannelError(`http_${response.status}`, `${what} answered HTTP ${response.status}${why ? `: ${why}` : ''}.`);
  if (!isRetryableStatus(response.status)) return { kind: 'fatal', error };
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
  return { kind: 'retryable', error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** A thrown fetch error (refused, reset, timed out) as an outcome: the network's errors are retried. */
export function fetchErrorOutcome(error: unknown, what: string): AttemptOutcome {
  const classified = classifyError(error);
  const wrapped = new ChannelError('network', `${what} could not be reached: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  // fetch wraps the socket's error in a TypeError('fetch failed'); an unknown one is still the network.
  return classified ? { ...classified, error: wrapped } : { kind: 'retryable', error: wrapped };
}

/** POSTs a JSON body; the outcome per httpOutcome. */
export async function postJson(url: string, body: string, headers: Record<string, string>, signal: AbortSignal, what: string): Promise<AttemptOutcome> {
  try {
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'hidsmon-notify', ...headers }, signal, redirect: 'manual' });
    return await httpOutcome(response, what);
  } catch (error) {
    return fetchErrorOutcome(error, what);
  }
}
