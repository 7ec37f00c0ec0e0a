/**
 * @module PutLogEvents: checks the batch as CloudWatch does (count, sizes with 26 bytes of overhead
 * per event, order), stores it durably, and reports events rejected for their age. (While indexing
 * is too far behind, handle-cloudwatch-logs.ts throttles it before it gets here.)
 */
import { EVENT_OVERHEAD_BYTES, type LogEventInput } from '../../ingest/log-store.js';
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { invalidParameter, storeError } from './errors.js';
import { sequenceToken } from './tokens.js';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
/**
 * One event, message plus overhead: 1 MB since April 2025 (256 KB before). Whether AWS counts the
 * overhead here is not documented; counting it keeps every accepted event within a batch's limit.
 */
export const MAX_EVENT_BYTES = 1_048_576;

export const putLogEvents: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const stream = input.string('logStreamName');
  const items = input.structureList('logEvents');
  input.string('sequenceToken');
  input.structure('entity');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.logStreamName('logStreamName', stream);
  c.items('logEvents', items, { min: 1, max: MAX_BATCH_EVENTS, required: true });
  const events: LogEventInput[] = [];
  for (const item of items ?? []) {
    const timestamp = item.integer('timestamp');
    const message = item.string('message');
    // The members' paths only for a violation: building two per event was a good part of the accept path.
    if (timestamp === undefined || timestamp < 0) c.number(item.at('timestamp'), timestamp, { min: 0, required: true });
    if (message === undefined || message.length < 1) c.text(item.at('message'), message, { min: 1, required: true });
    events.push({ timestamp: timestamp ?? 0, message: message ?? '' });
  }
  c.check();

  let total = 0;
  let previous = Number.NEGATIVE_INFINITY;
  // Counted once: the store takes these sizes too.
  const bytes = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    bytes[i] = Buffer.byteLength(events[i]!.message, 'utf8');
    const size = bytes[i]! + EVENT_OVERHEAD_BYTES;
    if (size > MAX_EVENT_BYTES) throw invalidParameter(`Log event too large: ${size} bytes exceeds limit of ${MAX_EVENT_BYTES}`);
    total += size;
  }
  if (total > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (const event of events) {
    if (event.timestamp < previous) throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
    previous = event.timestamp;
  }

  const put = await context.store.putLogEvents(group as string, stream as string, events, bytes);
  if (!put.ok) throw storeError(put.error);
  const output: { nextSequenceToken: string; rejectedLogEventsInfo?: object } = { nextSequenceToken: sequenceToken(put.value.lastSequence ?? context.store.lastSequence()) };
  if (put.value.rejected) output.rejectedLogEventsInfo = put.value.rejected;
  return output;
};
