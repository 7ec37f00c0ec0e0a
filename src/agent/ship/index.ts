/**
 * @module The agent's shipping half: records → bounded on-disk spool → CloudWatch Logs batches,
 * with heartbeats. `createShipper(...)` gives the RecordSink tail writes to, a status, and close.
 *
 * Delivery, in order of the spool (oldest first): each segment's records become PutLogEvents
 * batches within the limits (batch.ts); each batch is retried with the one retry policy
 * (capped exponential backoff, full jitter) on throttling, 5xx and network errors, forever. A
 * non-retryable error (AccessDenied, unknown key, bad parameter) is logged at error, shown in
 * `status().lastError`, and the batch stays spooled and is tried again every `fatalRetryMs`: once
 * the key or policy is fixed (or the agent restarted with a new one) it is delivered. Events
 * CloudWatch refuses for their time (> 14 days old, beyond retention, > 2 h ahead) can never be
 * accepted: they are counted as `rejected` and logged, and delivery moves on.
 *
 * The `client` (createLogsClient) makes one attempt per call: the retries are ours, so that they
 * are unbounded, jittered and never hide an error from the status.
 */
import type { LogsClient } from '../logs-client.js';
import { DEFAULT_RETRY_POLICY, retry, settleWithin, sleep, type RetryPolicy } from '../../pipeline/retry.js';
import type { AgentRecord, RecordSink } from '../record.js';
import { planBatches, type ShipEvent } from './batch.js';
import { heartbeatRecord } from './heartbeat.js';
import { CREATED_MESSAGE, StreamSender, type DeliveryError } from './sender.js';
import { Spool, SpoolEncoder, type SpoolStats } from './spool.js';

export { planBatches, splitMessage, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_COUNTED_BYTES } from './batch.js';
export { heartbeatRecord, isHeartbeatMessage } from './heartbeat.js';
export { Spool, SpoolClosedError, SpoolEncoder } from './spool.js';

/** The structured logger the agent passes (pino's shape). */
export interface ShipLogger {
  info: (o: object, m: string) => void;
  warn: (o: object, m: string) => void;
  error: (o: object, m: string) => void;
}

export interface ShipperOptions {
  client: LogsClient;
  /** PutLogEvents batches in flight at once (default 4; 1 on an endpoint that wants sequence tokens). */
  concurrency?: number;
  logGroup: string;
  logStream: string;
  /** The spool's directory, under the agent's state dir. */
  spoolDir: string;
  /** `spool_max_bytes`: beyond it the sink stays pending (tail pauses). */
  spoolMaxBytes: number;
  /** How long records wait for company before they are sent (default 1000 ms). */
  bufferMs?: number;
  /** Heartbeat interval (default 60,000 ms); 0 turns heartbeats off. */
  heartbeatMs?: number;
  /** What a heartbeat says besides the counters (agent version, host, files followed). */
  heartbeatInfo?: () => Record<string, unknown>;
  /** How often a batch refused with a non-retryable error is tried again (default 60,000 ms). */
  fatalRetryMs?: number;
  retryPolicy?: RetryPolicy;
  log: ShipLogger;
}

export interface ShipperStatus {
  spool: SpoolStats;
  /** Events CloudWatch accepted, since start. */
  sentEvents: number;
  sentBatches: number;
  /** Events CloudWatch refused for their time (never acceptable), since start. */
  rejectedEvents: number;
  /** Records too large for one event, shipped as several flagged parts. */
  splitRecords: number;
  heartbeats: number;
  /** Epoch ms of the last accepted PutLogEvents, null before the first. */
  lastSendMs: number | null;
  /** `ok`, `retrying` (endpoint away or throttling) or `blocked` (a non-retryable error; events kept). */
  state: 'ok' | 'retrying' | 'blocked';
  lastError: { code: string; message: string; atMs: number } | null;
}

export interface Shipper {
  /** The RecordSink of the design: resolves once the records are fsync'd in the spool. */
  sink: RecordSink;
  /** Makes a record for `sink`, encoded for the spool at once (tail calls it as it reads each record; a plain record is taken too). */
  makeRecord(message: string, timestampMs: number): AgentRecord;
  status(): ShipperStatus;
  /** Resolves when the spool is empty (everything acknowledged) or after `timeoutMs`; true when empty. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops taking records, tries to send what is spooled until `deadlineMs` has passed, then stops; what is left stays spooled for the next start. True when nothing was left. */
  close(deadlineMs: number): Promise<boolean>;
}

export async function createShipper(options: ShipperOptions): Promise<Shipper> {
  const spool = await Spool.open({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes });
  const sender = new StreamSender(options.client, options.logGroup, options.logStream, options.log, options.concurrency);
  const bufferMs = options.bufferMs ?? 1000;
  const fatalRetryMs = options.fatalRetryMs ?? 60_000;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const stop = new AbortController();
  let closing = false;
  const counters = { sentEvents: 0, sentBatches: 0, rejectedEvents: 0, splitRecords: 0, heartbeats: 0, lastSendMs: null as number | null };
  let state: ShipperStatus['state'] = 'ok';
  let lastError: ShipperStatus['lastError'] = null;

  spool.onFullChange = (full, stats) => {
    if (full) options.log.warn({ spoolBytes: stats.bytes, spoolMaxBytes: stats.maxBytes, spooledRecords: stats.records }, 'spool full: reading paused until the endpoint takes events (nothing is dropped; the files keep the rest)');
    else options.log.info({ spoolBytes: stats.bytes }, 'spool has room again: reading resumes where it stopped');
  };

  const status = (): ShipperStatus => ({ spool: spool.stats(), ...counters, state, lastError });

  /** Delivers one batch: retryable failures wait with backoff; a fatal one is reported and tried again slowly. True when delivered. */
  async function deliver(batch: ShipEvent[]): Promise<boolean> {
    for (;;) {
      const outcome = await retry((_n, signal) => sender.attempt(batch, signal), policy, {
        signal: stop.signal,
        onRetry: ({ attempt, delayMs, error }) => {
          // Protocol steps, not trouble: a legacy endpoint's token exchange, a group or stream just created.
          if (error.name === 'InvalidSequenceTokenException' || error.message === CREATED_MESSAGE) return;
          state = 'retrying';
          lastError = { code: (error as { name: string }).name, message: error.message, atMs: Date.now() };
          if (attempt === 1 || attempt % 10 === 0) options.log.warn({ attempt, delayMs, error: error.message, code: error.name }, 'PutLogEvents failed, will retry (events stay spooled)');
        },
      });
      if (outcome.kind === 'ok') {
        const { accepted, rejected } = outcome.value;
        counters.sentEvents += accepted;
        counters.sentBatches++;
        counters.lastSendMs = Date.now();
        const refused = rejected.tooOld + rejected.expired + rejected.tooNew;
        if (refused > 0) {
          counters.rejectedEvents += refused;
          const sample = (rejected.tooOld + rejected.expired > 0 ? batch[0] : batch.at(-1))?.message.slice(0, 200);
          options.log.warn({ ...rejected, firstTimestamp: batch[0]?.timestamp, lastTimestamp: batch.at(-1)?.timestamp, sample }, 'CloudWatch refused events for their time (too old, expired or too new); they can never be accepted: counted as rejected');
        }
        if (state !== 'ok') options.log.info({ previousError: lastError?.code }, 'delivery works again');
        state = 'ok';
        return true;
      }
      if (stop.signal.aborted) return false;
      if (outcome.kind === 'fatal') {
        const error = outcome.error as DeliveryError;
        state = 'blocked';
        lastError = { code: error.code ?? error.name, message: error.message, atMs: Date.now() };
        options.log.error(
          { code: lastError.code, error: error.message, logGroup: options.logGroup, logStream: options.logStream, spooledRecords: spool.stats().records, retryInMs: fatalRetryMs },
          'PutLogEvents refused with a non-retryable error: events stay spooled; fix the key, policy or configuration (tried again periodically and at the next start)',
        );
        await sleep(fatalRetryMs, stop.signal);
        if (stop.signal.aborted) return false;
      }
    }
  }

  /** Deliveries in flight (at most `sender.concurrency`), and the segments waiting for theirs to finish. */
  const inFlight = new Set<Promise<boolean>>();
  const finishing = new Set<Promise<void>>();
  /** The last segment whose batches were all handed out; the next is taken after it. */
  let takenSeq = 0;

  /** The sender's loop; an unexpected failure (a disk error reading the spool) is reported and the loop goes on after a pause, never ends quietly. */
  async function run(): Promise<void> {
    try {
      while (!stop.signal.aborted) {
        try {
          if ((await step()) === 'stopped') return;
        } catch (e) {
          state = 'blocked';
          lastError = { code: (e as NodeJS.ErrnoException).code ?? 'internal', message: (e as Error).message, atMs: Date.now() };
          options.log.error({ code: lastError.code, error: lastError.message }, 'the shipper failed on an unexpected error; spooled events are kept, trying again');
          await sleep(Math.min(fatalRetryMs, 5_000), stop.signal);
        }
      }
    } finally {
      // Stopping ends every delivery's wait (the signal); what they left stays spooled.
      await Promise.all([...finishing]);
    }
  }

  /**
   * Hands out the batches of the oldest segment not yet taken, keeping up to `sender.concurrency`
   * in flight across segments (current CloudWatch takes concurrent puts to a stream); a segment
   * is deleted once every one of its batches was acknowledged, whatever the order. A segment
   * left over (stopping) is sent again at the next start: at-least-once, as before.
   * `stopped` when closing ended it.
   */
  async function step(): Promise<'stopped' | 'more'> {
    const segment = await spool.next(takenSeq, (s) => closing || Date.now() - s.sinceMs >= bufferMs);
    if (!segment) {
      if (closing && inFlight.size === 0 && spool.stats().records === 0) return 'stopped';
      await spool.changed(bufferMs / 4, stop.signal);
      return 'more';
    }
    const plan = planBatches(await spool.read(segment));
    takenSeq = segment.seq;
    if (plan.splitRecords > 0) {
      counters.splitRecords += plan.splitRecords;
      options.log.warn({ records: plan.splitRecords }, 'records larger than one CloudWatch event were split into flagged parts ("[hidsmon: part i/n] ")');
    }
    const deliveries: Promise<boolean>[] = [];
    for (const batch of plan.batches) {
      // Bounded: each delivery ends (delivered, or the stop signal).
      while (inFlight.size >= sender.concurrency) await Promise.race(inFlight);
      if (stop.signal.aborted) break;
      const delivery = deliver(batch).catch((e: unknown) => {
        options.log.error({ error: (e as Error).message }, 'a delivery failed unexpectedly; its segment is sent again');
        return false;
      });
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
      deliveries.push(delivery);
    }
    const handedOut = deliveries.length === plan.batches.length;
    const finished: Promise<void> = Promise.all(deliveries)
      .then(async (results) => {
        if (handedOut && results.every(Boolean)) return spool.remove(segment);
        // Not stopping, yet not all delivered (an unexpected failure): the segment is taken again, from its first batch.
        if (!stop.signal.aborted) takenSeq = Math.min(takenSeq, segment.seq - 1);
      })
      .catch((e: unknown) => {
        // Not removed: the segment is sent again at the next start (at-least-once); the status says why.
        lastError = { code: (e as NodeJS.ErrnoException).code ?? 'internal', message: (e as Error).message, atMs: Date.now() };
        options.log.error({ code: lastError.code, error: lastError.message, segment: segment.path }, 'a delivered spool segment could not be deleted');
      })
      .finally(() => finishing.delete(finished));
    finishing.add(finished);
    return stop.signal.aborted ? 'stopped' : 'more';
  }
  const running = run();

  const heartbeatMs = options.heartbeatMs ?? 60_000;
  const beat = async (): Promise<void> => {
    let info: Record<string, unknown> = {};
    try {
      info = options.heartbeatInfo?.() ?? {};
    } catch (e) {
      info = { info_error: (e as Error).message };
    }
    const record = heartbeatRecord(Date.now(), { ...info, spooled_records: spool.stats().records, sent_events: counters.sentEvents, state });
    // A heartbeat never waits for room: when the spool is full the host is not silent, it is blocked, and the status says so.
    if (await spool.tryAppend([record]).catch(() => false)) counters.heartbeats++;
  };
  const timer = heartbeatMs > 0 ? setInterval(() => void beat(), heartbeatMs) : undefined;
  timer?.unref();
  if (heartbeatMs > 0) void beat();

  const drained = async (timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (spool.stats().records > 0 && Date.now() < until) await spool.changed(Math.min(100, Math.max(1, until - Date.now())));
    return spool.stats().records === 0;
  };

  const encoder = new SpoolEncoder();
  return {
    sink: (batch) => spool.append(batch.records),
    makeRecord: (message, timestampMs) => encoder.encode(message, timestampMs),
    status,
    drained,
    async close(deadlineMs) {
      if (timer) clearInterval(timer);
      closing = true;
      await spool.close();
      // Idle, `running` ends at once; the deadline's timer must then not hold the process up.
      await settleWithin(running, Math.max(0, deadlineMs), undefined);
      stop.abort(); // ends a backoff wait or a blocked batch's slow retry
      await running;
      return spool.stats().records === 0;
    },
  };
}
