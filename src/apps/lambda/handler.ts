/**
 * @module The Lambda forwarder's invocation: a CloudWatch Logs subscription event → the core
 * transform (the local forwarder's) → the OpenSearch sink, with what the blog's function lacked:
 * per-document outcomes (a rejected document goes to the dead-letter destination, the rest of the
 * batch is indexed), retries with backoff bounded by the invocation's remaining time, and a
 * failure (a throw, so that Lambda retries the delivery) only when something retryable still
 * failed. One structured log line per invocation. No environment, no clients built here: index.ts
 * composes it, tests inject the parts.
 */
import { retry, type RetryPolicy } from '../../pipeline/retry.js';
import type { WriteResult, WriteSummary } from '../../query/search-api.js';
import type { BulkEntry } from '../../sinks/opensearch/bulk.js';
import { DEFAULT_MAX_BULK_BYTES, type SinkWriteOptions } from '../../sinks/opensearch/sink.js';
import { decodeSubscriptionEvent, transformPayload, type RejectedEvent } from '../../transforms/transform-subscription.js';
import type { DeadLetterDestination, DeadLetterRecord } from './dead-letters.js';
import { createEntryMaker } from './entries.js';

/** The part of Lambda's context object the handler uses (declared here, as hono does, instead of a types package). */
export interface LambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** What the sink must do: OpenSearchSink. */
export interface ForwarderSinkPort {
  readonly indexPrefix: string;
  writeEntries(entries: readonly BulkEntry[], options?: SinkWriteOptions): Promise<WriteResult>;
}

export interface InvocationLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** What an invocation did; also its log line's fields and the handler's return value. */
export interface InvocationSummary {
  outcome: 'indexed' | 'control_message' | 'corrupt_payload';
  messageType?: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  logGroup?: string;
  logStream?: string;
  events: number;
  indexed: number;
  /** Already in the index: a re-delivery, or written by an earlier attempt of this invocation. */
  duplicates: number;
  rejected: number;
  dead_lettered: number;
  retries: number;
  took_ms: number;
}

export interface SubscriptionHandlerParts {
  sink: ForwarderSinkPort;
  deadLetters: DeadLetterDestination;
  log: InvocationLog;
  /**
   * Kept free at the end of the invocation: retries stop this long before Lambda's timeout, so that
   * the last request (at most the request timeout) ends and the failure is reported, not cut off.
   */
  marginMs: number;
  /** Retries of a write that failed as a whole (the cluster down, the template not installed): bounded by the remaining time, not by a count. */
  writeRetryPolicy?: RetryPolicy;
  /** Retries inside one write, of the documents the cluster has not taken yet (429, 5xx items). */
  sinkRetryPolicy?: RetryPolicy;
  /** One `_bulk` body at most (the sink's `maxBulkBytes`; default 5 MiB). */
  maxBulkBytes?: number;
  /** Message bytes per slice of events transformed together (default 64 KiB). */
  sliceBytes?: number;
  now?: () => number;
}

/** The whole-write retries: capped at 5 s so that a cluster that is back is used within seconds. */
export const DEFAULT_WRITE_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 5_000, multiplier: 2, maxRetryAfterMs: 10_000 };
export const DEFAULT_SINK_RETRY_POLICY_IN_LAMBDA: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 2_000, multiplier: 2, maxAttempts: 4, maxRetryAfterMs: 5_000 };

/**
 * Events are transformed 64 KiB of messages at a time (about 90 alerts): small enough that a
 * slice's documents are still in the young generation when they are serialized and dropped.
 * Larger slices cost more in GC than they save in calls (measured: `npm run bench -- lambda`).
 */
export const DEFAULT_SLICE_BYTES = 64 * 1024;
/** A log event's share of a slice beyond its message: id, timestamp, the document's `@` fields. */
const EVENT_OVERHEAD_BYTES = 200;

/**
 * The events in slices of about `sliceBytes` of messages each (at least one event per slice), with
 * the position of each slice's first event. Characters stand in for bytes: a bound, not a limit.
 */
export function* eventSlices(events: readonly unknown[], sliceBytes: number): Generator<{ start: number; events: unknown[] }> {
  let start = 0;
  let size = 0;
  for (let i = 0; i < events.length; i++) {
    const message = (events[i] as { message?: unknown } | null)?.message;
    size += (typeof message === 'string' ? message.length : 0) + EVENT_OVERHEAD_BYTES;
    if (size >= sliceBytes) {
      yield { start, events: events.slice(start, i + 1) };
      start = i + 1;
      size = 0;
    }
  }
  if (start < events.length) yield { start, events: events.slice(start) };
}

/** A delivery that could not be written yet; thrown so that Lambda delivers the event again. */
export class ForwarderInvocationError extends Error {
  constructor(
    readonly code: 'opensearch_unavailable' | 'dead_letter_failed' | 'sink_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ForwarderInvocationError';
  }
}

export type SubscriptionHandler = (event: unknown, context: LambdaContext) => Promise<InvocationSummary>;

export function createSubscriptionHandler(parts: SubscriptionHandlerParts): SubscriptionHandler {
  const now = parts.now ?? Date.now;
  const writePolicy = parts.writeRetryPolicy ?? DEFAULT_WRITE_RETRY_POLICY;
  const sinkPolicy = parts.sinkRetryPolicy ?? DEFAULT_SINK_RETRY_POLICY_IN_LAMBDA;
  const sliceBytes = parts.sliceBytes ?? DEFAULT_SLICE_BYTES;
  const maxBulkBytes = parts.maxBulkBytes ?? DEFAULT_MAX_BULK_BYTES;

  return async (event, context) => {
    const started = now();
    const requestId = context.awsRequestId;
    const summary: InvocationSummary = { outcome: 'indexed', events: 0, indexed: 0, duplicates: 0, rejected: 0, dead_lettered: 0, retries: 0, took_ms: 0 };
    const finish = (extra: Record<string, unknown> = {}): InvocationSummary => {
      summary.took_ms = now() - started;
      parts.log.info({ requestId, ...summary, ...extra }, 'Invocation done.');
      return summary;
    };
    const fail = (error: ForwarderInvocationError): never => {
      summary.took_ms = now() - started;
      parts.log.error({ requestId, ...summary, error_code: error.code, error: error.message }, 'Invocation failed; Lambda delivers the event again.');
      throw error;
    };
    const deadLetter = async (records: DeadLetterRecord[]): Promise<void> => {
      if (records.length === 0) return;
      try {
        await parts.deadLetters.send(records, requestId);
      } catch (error) {
        fail(new ForwarderInvocationError('dead_letter_failed', `Could not store ${records.length} dead letters in ${parts.deadLetters.description}: ${(error as Error).message}`, { cause: error }));
      }
      summary.dead_lettered += records.length;
    };

    const decoded = decodeSubscriptionEvent(event);
    if (!decoded.ok) {
      // A delivery that does not decode never will: Lambda's retries would fail the same way and then
      // drop it. Kept whole with the reason instead, and the invocation succeeds.
      summary.outcome = 'corrupt_payload';
      await deadLetter([{ kind: 'corrupt_payload', reason: `${decoded.error.code}: ${decoded.error.message}`, requestId, deadLetteredAt: new Date(now()).toISOString(), event }]);
      return finish({ error_code: decoded.error.code, error: decoded.error.message });
    }
    const payload = decoded.value;
    summary.messageType = payload.messageType;
    summary.logGroup = payload.logGroup;
    summary.logStream = payload.logStream;
    if (payload.messageType === 'CONTROL_MESSAGE') {
      summary.outcome = 'control_message';
      return finish();
    }
    summary.events = payload.logEvents.length;
    const origin = { logGroup: payload.logGroup, logStream: payload.logStream, owner: payload.owner };
    const deadLetteredAt = new Date(now()).toISOString();
    const letters: DeadLetterRecord[] = [];
    const remainingMs = (): number => Math.max(0, context.getRemainingTimeInMillis() - parts.marginMs);
    const onRetry = (): void => void summary.retries++;

    // Written a `_bulk` body at a time; built a small slice of events at a time, each document
    // serialized as soon as it is made, so that documents die young (cheap for the GC) and memory
    // holds one body's lines, not the delivery's documents.
    const flush = async (batch: BulkEntry[]): Promise<void> => {
      let result: Awaited<ReturnType<typeof retry<WriteSummary>>>;
      try {
        result = await retry<WriteSummary>(
          async () => {
            const answer = await parts.sink.writeEntries(batch, { retryPolicy: { ...sinkPolicy, deadlineMs: remainingMs() }, onRetry });
            return answer.kind === 'ok' ? { kind: 'ok', value: answer } : answer;
          },
          { ...writePolicy, deadlineMs: remainingMs() },
          { onRetry },
        );
      } catch (error) {
        // The cluster refused the request itself or answered nonsense: not the documents' fault.
        return fail(new ForwarderInvocationError('sink_failed', `The OpenSearch sink failed: ${(error as Error).message}`, { cause: error }));
      }
      if (result.kind !== 'ok') {
        return fail(new ForwarderInvocationError('opensearch_unavailable', `OpenSearch did not take the delivery within the invocation (${summary.retries} retries): ${result.error.message}`, { cause: result.error }));
      }
      const written = result.value;
      summary.indexed += written.written;
      summary.duplicates += written.duplicates;
      summary.rejected += written.rejected;
      written.outcomes.forEach((outcome, i) => {
        if (outcome.kind !== 'rejected') return;
        // Rare: the document is read back from its line rather than kept for every document.
        const entry = batch[i] as BulkEntry;
        const [action, source] = entry.lines.split('\n', 2) as [string, string];
        const { _index, _id } = (JSON.parse(action) as { create: { _index: string; _id: string } }).create;
        letters.push({ kind: 'rejected_document', reason: outcome.reason, requestId, deadLetteredAt, ...origin, index: _index, id: _id, document: JSON.parse(source) });
      });
    };

    const makeEntry = createEntryMaker(parts.sink.indexPrefix);
    let batch: BulkEntry[] = [];
    let batchBytes = 0;
    const events = payload.logEvents;
    for (const slice of eventSlices(events, sliceBytes)) {
      const output = transformPayload({ ...payload, logEvents: slice.events });
      // The decoded events are ours: let each slice's messages go once its documents are made.
      events.fill(undefined, slice.start, slice.start + slice.events.length);
      for (const r of output.rejected) letters.push(rejectedEventLetter({ ...r, index: slice.start + r.index }, requestId, deadLetteredAt, origin));
      summary.rejected += output.rejected.length;
      for (const doc of output.documents) {
        // The index would store a bad @timestamp and never find it by time (see the sink).
        const made = makeEntry(doc, batch.length);
        if (!made.ok) {
          summary.rejected++;
          letters.push({ kind: 'rejected_document', reason: made.reason, requestId, deadLetteredAt, ...origin, index: doc.index, id: doc.id, document: doc.document });
          continue;
        }
        const entry = made.entry;
        if (batch.length > 0 && batchBytes + entry.bytes > maxBulkBytes) {
          await flush(batch);
          batch = [];
          batchBytes = 0;
          entry.position = 0;
        }
        batch.push(entry);
        batchBytes += entry.bytes;
      }
    }
    if (batch.length > 0) await flush(batch);
    await deadLetter(letters);
    return finish();
  };
}

function rejectedEventLetter(rejected: RejectedEvent, requestId: string, deadLetteredAt: string, origin: { logGroup: string; logStream: string; owner: string }): DeadLetterRecord {
  return { kind: 'rejected_event', reason: `logEvents[${rejected.index}]: ${rejected.reason}`, requestId, deadLetteredAt, ...origin, event: rejected.event };
}
