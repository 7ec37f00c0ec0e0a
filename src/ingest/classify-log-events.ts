/**
 * @module Which events of a PutLogEvents batch CloudWatch stores: events more than 14 days old or
 * older than the group's retention are rejected from the front, events more than 2 h ahead from
 * the back (the batch is in time order), and what remains may span at most 24 h.
 */
import { err, ok, type Result } from '../core/result.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_EVENT_AGE_MS = 14 * DAY_MS;
export const MAX_EVENT_AHEAD_MS = 2 * HOUR_MS;
export const MAX_BATCH_SPAN_MS = 24 * HOUR_MS;

/** AWS's index semantics: the two "end" indexes are exclusive (= how many leading events), the start is inclusive. */
export interface RejectedLogEvents {
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
  tooNewLogEventStartIndex?: number;
}

export interface AcceptedRange {
  /** The stored events are `[start, end)`. */
  start: number;
  end: number;
  rejected?: RejectedLogEvents;
}

/**
 * @param timestamps the batch's timestamps, non-decreasing
 * @param retentionDays the group's retention, if any
 */
export function classifyLogEvents(timestamps: readonly number[], nowMs: number, retentionDays?: number): Result<AcceptedRange, { kind: 'span-too-long' }> {
  const oldest = nowMs - MAX_EVENT_AGE_MS;
  const newest = nowMs + MAX_EVENT_AHEAD_MS;
  let tooOld = 0;
  while (tooOld < timestamps.length && (timestamps[tooOld] as number) < oldest) tooOld++;
  let expired = 0;
  if (retentionDays !== undefined) {
    const cutoff = nowMs - retentionDays * DAY_MS;
    while (expired < timestamps.length && (timestamps[expired] as number) < cutoff) expired++;
  }
  let tooNew = timestamps.length;
  while (tooNew > 0 && (timestamps[tooNew - 1] as number) > newest) tooNew--;
  const start = Math.max(tooOld, expired);
  const end = Math.max(start, tooNew);
  if (end > start && (timestamps[end - 1] as number) - (timestamps[start] as number) > MAX_BATCH_SPAN_MS) return err({ kind: 'span-too-long' });
  const rejected: RejectedLogEvents = {};
  if (tooOld > 0) rejected.tooOldLogEventEndIndex = tooOld;
  if (expired > 0) rejected.expiredLogEventEndIndex = expired;
  if (tooNew < timestamps.length) rejected.tooNewLogEventStartIndex = Math.max(tooNew, start);
  return ok(Object.keys(rejected).length > 0 ? { start, end, rejected } : { start, end });
}
