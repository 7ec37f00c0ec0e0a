/**
 * @module The webhook's signature, in Stripe's scheme (Stripe-Signature): the header
 * `X-Hidsmon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the channel's
 * shared secret. The timestamp is inside the MAC, so a receiver that refuses a `t` older than a few
 * minutes refuses a replayed request; `verifyWebhookSignature` is what a receiver runs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hidsmon-signature';
/** Stripe's default tolerance: a request older (or newer) than this is a replay or a bad clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signWebhook(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

export type SignatureCheck = { kind: 'valid'; timestamp: number } | { kind: 'invalid'; reason: 'malformed' | 'mismatch' | 'stale' };

/** Checks a header against the raw body: the MAC in constant time, then the age of `t`. */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined, nowMs: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): SignatureCheck {
  const parts = new Map<string, string[]>();
  for (const item of (header ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0) return { kind: 'invalid', reason: 'malformed' };
  const timestamp = Number(t);
  const expected = Buffer.from(mac(secret, timestamp, body), 'hex');
  // Several v1 entries are allowed, as in Stripe's, so that a secret can be rolled without a gap.
  const matches = signatures.some((s) => /^[0-9a-f]{64}$/.test(s) && timingSafeEqual(Buffer.from(s, 'hex'), expected));
  if (!matches) return { kind: 'invalid', reason: 'mismatch' };
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return { kind: 'invalid', reason: 'stale' };
  return { kind: 'valid', timestamp };
}
