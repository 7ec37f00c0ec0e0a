/**
 * @module The forwarder: for each destination, a cursor over the durable log. It reads the events
 * after the cursor, turns them into documents (the same transform the Lambda runs), writes them
 * to the destination's sink, and only then moves the cursor: delivery is at-least-once, and the
 * documents' deterministic ids make each alert indexed once.
 *
 * Failure semantics, as Vector and the OpenTelemetry collector define them: a sink that is
 * unavailable as a whole is retried forever with capped, jittered backoff while the cursor waits
 * and the lag grows; only documents the sink rejects one by one, for good, go to the dead-letter
 * store with the reason; a document that makes the sink throw is found by bisection at once and
 * dead-lettered, so that it holds the rest back for seconds, not minutes. Each destination's loop
 * is supervised: any error restarts it from its saved cursor, with backoff, logged and counted.
 */
import type { IndexedDocument } from '../core/document.js';
import { cloudWatchEventId } from '../core/ids.js';
import { classifyError, retry, retryDelayMs, settleWithin, sleep, type AttemptOutcome, type RetryPolicy } from '../pipeline/retry.js';
import type { DocumentOutcome, DocumentSink } from '../query/search-api.js';
import { documentFromLogEvent } from '../transforms/to-document.js';

export interface LogRecord {
  seq: number;
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

/** A subscription: a log group's events that pass `matches` go to `destination`. */
export interface Subscription {
  logGroup: string;
  destination: string;
  matches: (message: string) => boolean;
}

export interface DeadLetter {
  destination: string;
  reason: string;
  record: LogRecord;
}

/** What the forwarder needs of the durable log. */
export interface ForwarderSource {
  readAfter(afterSeq: number, limit: number, logGroups: readonly string[]): Promise<LogRecord[]>;
  lastSequence(): Promise<number>;
  subscriptions(): Promise<Subscription[]>;
  getCursor(destination: string): Promise<number>;
  setCursor(destination: string, seq: number): Promise<void>;
  addDeadLetters(letters: DeadLetter[]): Promise<void>;
  onAppend(listener: () => void): () => void;
}

export interface ForwarderOptions {
  source: ForwarderSource;
  sinks: ReadonlyMap<string, DocumentSink>;
  owner: string;
  now?: () => number;
  /**
   * The most events read and written as one batch (default 5000). Below it the batch follows the
   * destination's rate, so that one batch takes about BATCH_TARGET_MS: on a slow or busy index a
   * 5000-event batch would take seconds, and every event in it waits for the whole commit.
   */
  batchSize?: number;
  /** Retries of a sink that is unavailable: forever, capped (default 200 ms doubling to 10 s, full jitter). */
  retry?: RetryPolicy;
  /** Restarts of a destination's loop after an error (default 500 ms doubling to 30 s). */
  restart?: RetryPolicy;
  /**
   * How long a document that makes the sink throw (an error the sink does not classify) is retried
   * when nothing proves the sink works for others (a batch of one), before it is dead-lettered.
   */
  poisonTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
  onForwarded?: (destination: string, documents: number) => void;
  onSinkError?: (destination: string, error: Error) => void;
  onDeadLetters?: (destination: string, count: number) => void;
  /** Documents a sink already held (same index and id: an event delivered twice), collapsed into one. */
  onDuplicates?: (destination: string, count: number) => void;
  /**
   * Documents a sink took, after each successful write (the rule engine's hook): those it indexed
   * and those it already held (a redelivery after a crash, whose first delivery the engine may not
   * have saved). Listeners dedupe by document id. Called synchronously: it must not block or throw.
   */
  onIndexed?: (destination: string, documents: IndexedDocument[]) => void;
  onRestart?: (destination: string, error: Error) => void;
}

/** `sink_unavailable`: retrying a sink that takes nothing now; `restarting`: the loop failed and waits to restart. */
export type DestinationStatus = 'ok' | 'sink_unavailable' | 'restarting';

export interface DestinationLag {
  destination: string;
  cursor: number;
  lagEvents: number;
  /** Age of the oldest event not yet forwarded, in seconds (0 when caught up). */
  lagSeconds: number;
  status: DestinationStatus;
  /** Since when (epoch ms) the status is not ok. */
  statusSinceMs?: number;
  /**
   * Log sequence numbers this destination passes per second while it has work (an average over its
   * recent batches; 0 until it has forwarded one): what admission control divides the lag by.
   */
  ratePerSecond: number;
  /** Times the loop was restarted after an error, since start. */
  restarts: number;
  lastError?: string;
}

interface DestinationState {
  cursor: number;
  /** Ingestion time of the first event of each batch read and not yet taken by the sink, oldest first. */
  pending: number[];
  /** Sequence numbers passed per second while busy (exponentially weighted), and when the last batch was taken. */
  ratePerSecond: number;
  lastTakenMs?: number | undefined;
  lastError?: string | undefined;
  status: DestinationStatus;
  statusSinceMs?: number | undefined;
  restarts: number;
}

type Item = { record: LogRecord; document: IndexedDocument };

/** Events per batch: what the rate takes in BATCH_TARGET_MS, within [MIN_BATCH, max]; the max until a rate is known. */
export function batchLimit(ratePerSecond: number, max: number): number {
  if (ratePerSecond <= 0) return max;
  return Math.max(Math.min(MIN_BATCH, max), Math.min(max, Math.round((ratePerSecond * BATCH_TARGET_MS) / 1000)));
}
type Letter = { record: LogRecord; reason: string };

// Capped at 10 s: a sink that is back is used again within seconds, and a down one is asked at
// most every 10 s (with full jitter, 5 s on average).
const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 10_000 };
const DEFAULT_RESTART: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };
/** Wait between the writes that look for a poison document when the sink has not yet shown it works. */
const POISON_RETRY_MS = 250;
/** Weight of the newest batch in the rate: about the last five batches count. */
const RATE_WEIGHT = 0.2;
/** How long one batch should take at the destination's rate: a quarter of the 1 s lag bound of admission control. */
const BATCH_TARGET_MS = 250;
/** The smallest batch the rate may ask for: below it, the cost per commit would eat the rate. */
const MIN_BATCH = 500;

export class Forwarder {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly state = new Map<string, DestinationState>();
  private unsubscribe: (() => void) | undefined;
  private lastSeq = 0;

  constructor(private readonly options: ForwarderOptions) {}

  async start(): Promise<void> {
    this.lastSeq = await this.options.source.lastSequence();
    this.unsubscribe = this.options.source.onAppend(() => {
      for (const wake of this.wakers) wake();
    });
    for (const destination of this.options.sinks.keys()) {
      this.state.set(destination, { cursor: await this.options.source.getCursor(destination), pending: [], ratePerSecond: 0, status: 'ok', restarts: 0 });
      this.loops.push(this.supervise(destination));
    }
  }

  /**
   * Stops every loop. Cursors are saved after each batch the sink took, so nothing is lost by not
   * waiting: a write still in flight after `deadlineMs` is abandoned (delivered again on the next
   * start, which the document ids make harmless). True when every loop ended in time.
   */
  async stop(deadlineMs = 5000): Promise<boolean> {
    this.controller.abort();
    for (const wake of this.wakers) wake();
    this.unsubscribe?.();
    const ended = await settleWithin(Promise.all(this.loops).then(() => true), deadlineMs, false);
    if (!ended) this.options.log?.('warn', { deadlineMs }, 'Forwarder stopped with a sink write still in flight; it is delivered again on the next start.');
    return ended;
  }

  /** Events and seconds each destination is behind the log, and how its loop is doing. */
  async lag(): Promise<DestinationLag[]> {
    // A log that cannot be read now must not make the health check fail: the loops say why.
    this.lastSeq = await this.options.source.lastSequence().catch(() => this.lastSeq);
    return this.lagAt(this.lastSeq);
  }

  /**
   * The same as `lag()` against a log end the caller knows, without waiting: admission control asks
   * on every PutLogEvents. The age is that of the oldest event read and not yet taken by the sink,
   * which is the oldest unindexed one (events are taken in sequence order, read one batch ahead).
   */
  lagAt(lastSequence: number): DestinationLag[] {
    const now = (this.options.now ?? Date.now)();
    return [...this.state].map(([destination, s]) => {
      const oldest = s.pending[0];
      return {
        destination,
        cursor: s.cursor,
        lagEvents: Math.max(0, lastSequence - s.cursor),
        lagSeconds: oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000),
        status: s.status,
        ...(s.statusSinceMs !== undefined ? { statusSinceMs: s.statusSinceMs } : {}),
        ratePerSecond: s.ratePerSecond,
        restarts: s.restarts,
        ...(s.lastError ? { lastError: s.lastError } : {}),
      };
    });
  }

  /**
   * Writes dead-lettered records to their destination's sink again, once (no retries: an admin
   * asked, and waits): each record's outcome in order, `unavailable` when the sink takes nothing now
   * or the destination is unknown. The same transform as the loop, so a fixed transform or mapping
   * is what a replay tests. Cursors do not move: these events are behind them already.
   */
  async replay(destination: string, records: readonly LogRecord[]): Promise<{ kind: 'ok'; outcomes: DocumentOutcome[] } | { kind: 'unavailable'; message: string }> {
    const sink = this.options.sinks.get(destination);
    if (!sink) return { kind: 'unavailable', message: `There is no destination ${destination} on this server.` };
    const { items, failed } = this.items([...records], [...new Set(records.map((r) => r.logGroup))].map((logGroup) => ({ logGroup, destination, matches: () => true })));
    const written = items.length === 0 ? ({ kind: 'ok', value: [] } as const) : await this.write(sink, items);
    if (written.kind !== 'ok') return { kind: 'unavailable', message: `${destination} did not take the replay: ${written.error.message}` };
    const byRecord = new Map<LogRecord, DocumentOutcome>();
    items.forEach((item, i) => byRecord.set(item.record, written.value[i] as DocumentOutcome));
    for (const f of failed) byRecord.set(f.record, { kind: 'rejected', reason: f.reason });
    const outcomes = records.map((r) => byRecord.get(r) ?? { kind: 'rejected' as const, reason: 'No document was made of this event.' });
    this.indexed(destination, items, written.value);
    const delivered = outcomes.filter((o) => o.kind !== 'rejected').length;
    if (delivered > 0) this.options.onForwarded?.(destination, delivered);
    return { kind: 'ok', outcomes };
  }

  /** Resolves once every destination has forwarded everything appended so far (tests, shutdown). */
  async drained(timeoutMs = 10_000): Promise<boolean> {
    const target = await this.options.source.lastSequence();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ([...this.state.values()].every((s) => s.cursor >= target)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  private setStatus(state: DestinationState, status: DestinationStatus, error?: Error): void {
    if (state.status !== status) state.statusSinceMs = status === 'ok' ? undefined : (this.options.now ?? Date.now)();
    state.status = status;
    if (error) state.lastError = error.message;
    else if (status === 'ok') state.lastError = undefined;
  }

  /** Runs a destination's loop; whatever error ends it, it starts again from the saved cursor after a backoff. */
  private async supervise(destination: string): Promise<void> {
    const signal = this.controller.signal;
    const state = this.state.get(destination) as DestinationState;
    let failures = 0;
    while (!signal.aborted) {
      let progressed = false;
      try {
        await this.run(destination, state, () => (progressed = true));
        return;
      } catch (e) {
        if (signal.aborted) return;
        const error = e instanceof Error ? e : new Error(String(e));
        // A loop that moved the cursor before failing starts its backoff over.
        failures = progressed ? 1 : failures + 1;
        state.restarts++;
        this.setStatus(state, 'restarting', error);
        const delayMs = retryDelayMs(failures, this.options.restart ?? DEFAULT_RESTART);
        this.options.onRestart?.(destination, error);
        this.options.log?.('error', { destination, err: error.message, restarts: state.restarts, delayMs }, 'Forwarder loop failed; it restarts from its saved cursor.');
        await sleep(delayMs, signal);
      }
    }
  }

  private async run(destination: string, state: DestinationState, onProgress: () => void): Promise<void> {
    const signal = this.controller.signal;
    const source = this.options.source;
    const sink = this.options.sinks.get(destination) as DocumentSink;
    const maxBatch = this.options.batchSize ?? 5000;
    let pendingWake = false;
    let resolveWait: (() => void) | undefined;
    const wake = (): void => {
      pendingWake = true;
      resolveWait?.();
    };
    this.wakers.add(wake);
    // Restarted loops begin at the saved cursor: what was read ahead is read again.
    state.cursor = await source.getCursor(destination);
    state.pending = [];
    state.lastTakenMs = undefined;
    // One batch is read and transformed while the sink commits the one before: the cursor still
    // moves in order, only after the sink took each batch.
    let readPosition = state.cursor;
    let inFlight: Promise<void> | undefined;
    try {
      while (!signal.aborted) {
        const subscriptions = (await source.subscriptions()).filter((s) => s.destination === destination);
        const groups = [...new Set(subscriptions.map((s) => s.logGroup))];
        // The log's end before the read: a read that returns less than it asked for has seen every
        // event up to here, so the cursor passes the events of groups not for this destination.
        const end = await source.lastSequence();
        const limit = batchLimit(state.ratePerSecond, maxBatch);
        const records = groups.length === 0 ? [] : await source.readAfter(readPosition, limit, groups);
        const lastRead = records.length > 0 ? (records[records.length - 1] as LogRecord).seq : readPosition;
        const upTo = records.length < limit ? Math.max(lastRead, end) : lastRead;
        if (upTo <= readPosition) {
          if (inFlight) {
            await inFlight;
            inFlight = undefined;
            continue;
          }
          state.pending = [];
          // Idle time is not work: the next batch's rate counts from when it was read.
          state.lastTakenMs = undefined;
          if (state.status === 'restarting') this.setStatus(state, 'ok');
          if (!pendingWake) {
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve) => {
              resolveWait = resolve;
              timer = setTimeout(resolve, 1000);
            });
            clearTimeout(timer);
          }
          pendingWake = false;
          continue;
        }
        const readMs = performance.now();
        // A batch of other groups' events only moves the cursor: it has no age to wait on.
        const batchOldest = records.length > 0 ? (records[0] as LogRecord).ingestionTime : undefined;
        if (batchOldest !== undefined) state.pending.push(batchOldest);
        const { items, failed } = this.items(records, subscriptions);
        const from = readPosition;
        readPosition = upTo;
        const previous = inFlight;
        const step = (async () => {
          await previous;
          await this.deadLetter(destination, failed, new Set());
          await this.deliver(destination, sink, items, signal);
          if (signal.aborted) return;
          await source.setCursor(destination, upTo);
          state.cursor = upTo;
          if (batchOldest !== undefined) state.pending.shift();
          this.measureRate(state, upTo - from, readMs);
          if (state.status !== 'ok') this.setStatus(state, 'ok');
          onProgress();
          if (items.length > 0) this.options.onForwarded?.(destination, items.length);
        })();
        // Awaited below or on the next turn; until then a failure must not count as unhandled.
        step.catch(() => undefined);
        inFlight = step;
        if (previous) await previous;
      }
      await inFlight;
    } finally {
      this.wakers.delete(wake);
      // A batch still being delivered finishes before a restart reads from the saved cursor again.
      if (!signal.aborted) await inFlight?.catch(() => undefined);
    }
  }

  /**
   * The rate of a batch just taken: its sequence numbers over the time since the batch before was
   * taken, or since it was read when the loop had been idle (batches are read one ahead, so back to
   * back this is the time between commits). Retries of an unavailable sink count: it is the rate.
   */
  private measureRate(state: DestinationState, passed: number, readMs: number): void {
    const now = performance.now();
    const elapsedMs = now - Math.max(readMs, state.lastTakenMs ?? readMs);
    state.lastTakenMs = now;
    // A batch of a few events says little (its cost is the commit, not the events), and one taken
    // within a millisecond none.
    if (passed < 100 || elapsedMs < 1) return;
    const rate = (passed * 1000) / elapsedMs;
    state.ratePerSecond = state.ratePerSecond === 0 ? rate : state.ratePerSecond + RATE_WEIGHT * (rate - state.ratePerSecond);
  }

  /**
   * Documents for the records that pass their group's filter patterns, with their records for dead
   * letters. The transform never throws by contract; if a bug makes it throw on a record, that
   * record is a dead letter, not a loop that restarts on it for ever.
   */
  private items(records: LogRecord[], subscriptions: Subscription[]): { items: Item[]; failed: Letter[] } {
    const byGroup = new Map<string, Subscription[]>();
    for (const s of subscriptions) byGroup.set(s.logGroup, [...(byGroup.get(s.logGroup) ?? []), s]);
    const items: Item[] = [];
    const failed: Letter[] = [];
    for (const record of records) {
      try {
        const filters = byGroup.get(record.logGroup) ?? [];
        if (!filters.some((f) => f.matches(record.message))) continue;
        const document = documentFromLogEvent({
          eventId: cloudWatchEventId(record.timestamp, record.seq),
          timestampMs: record.timestamp,
          message: record.message,
          owner: this.options.owner,
          logGroup: record.logGroup,
          logStream: record.logStream,
        });
        items.push({ record, document });
      } catch (e) {
        failed.push({ record, reason: `The forwarder could not make a document of this event: ${(e as Error).message}` });
      }
    }
    return { items, failed };
  }

  /**
   * Delivers a batch: returns once the sink took it (each document indexed, a duplicate, or
   * dead-lettered) or the forwarder stops. An unavailable sink is retried forever.
   */
  private async deliver(destination: string, sink: DocumentSink, items: Item[], signal: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    const state = this.state.get(destination) as DestinationState;
    const deadLettered = new Set<LogRecord>();
    const poisonSince: { ms?: number } = {};
    const outcome = await retry(
      () => this.attempt(destination, sink, items, deadLettered, poisonSince, signal),
      this.options.retry ?? DEFAULT_RETRY,
      {
        signal,
        onRetry: ({ attempt, delayMs, error }) => {
          this.setStatus(state, 'sink_unavailable', error);
          this.options.onSinkError?.(destination, error);
          this.options.log?.(attempt === 1 ? 'warn' : 'info', { destination, attempt, delayMs, err: error.message, documents: items.length }, 'Sink unavailable; retrying the batch.');
        },
      },
    );
    if (outcome.kind === 'ok' || signal.aborted) return;
    // retry() gives up only on a fatal outcome here (no attempt limit): the batch cannot be taken.
    await this.deadLetter(destination, items.map((i) => ({ record: i.record, reason: outcome.error.message })), deadLettered);
  }

  /** One attempt at a batch. A throw the sink does not classify sends the batch to `isolate`. */
  private async attempt(destination: string, sink: DocumentSink, items: Item[], deadLettered: Set<LogRecord>, poisonSince: { ms?: number }, signal: AbortSignal): Promise<AttemptOutcome> {
    const written = await this.write(sink, items);
    if (written.kind === 'retryable' || written.kind === 'fatal') return written;
    if (written.kind === 'ok') {
      await this.deadLetterRejected(destination, items, written.value, deadLettered);
      return { kind: 'ok', value: undefined };
    }
    // The sink threw on something in this batch: find what.
    const found = await this.isolate(destination, sink, items, written.error, deadLettered);
    if (found.kind === 'retryable') return found;
    if (found.suspects.length === 0) return { kind: 'ok', value: undefined };
    // Elapsed time on the monotonic clock: the configured `now` may be a test's fixed clock.
    const now = performance.now();
    poisonSince.ms ??= now;
    const proven = found.successes > 0 || now - poisonSince.ms >= (this.options.poisonTimeoutMs ?? 10_000);
    if (!proven) return { kind: 'retryable', error: found.suspects[0]!.error, retryAfterMs: POISON_RETRY_MS };
    // The sink took other documents (or this one has failed alone for long): these are poison. One
    // more try each after a pause, in case the failure was brief.
    await sleep(found.successes > 0 ? 50 : 0, signal);
    const poison: Letter[] = [];
    for (const { item } of found.suspects) {
      const again = await this.write(sink, [item]);
      if (again.kind === 'retryable') return again;
      if (again.kind === 'ok') await this.deadLetterRejected(destination, [item], again.value, deadLettered);
      else poison.push({ record: item.record, reason: `The sink failed on this document: ${again.error.message}` });
    }
    await this.deadLetter(destination, poison, deadLettered);
    return { kind: 'ok', value: undefined };
  }

  /**
   * Halves a batch that made the sink throw, at once and without waiting, down to the single
   * documents that still make it throw (the suspects). If every piece fails — more failures than
   * one poison document can cause on its way down — the sink is failing, not a document: retryable.
   */
  private async isolate(destination: string, sink: DocumentSink, items: Item[], error: Error, deadLettered: Set<LogRecord>): Promise<{ kind: 'retryable'; error: Error; retryAfterMs?: number } | { kind: 'found'; suspects: Array<{ item: Item; error: Error }>; successes: number }> {
    const limit = Math.ceil(Math.log2(items.length)) + 3;
    let failures = 1;
    let successes = 0;
    const suspects: Array<{ item: Item; error: Error }> = [];
    const pending: Array<{ piece: Item[]; error: Error }> = [{ piece: items, error }];
    while (pending.length > 0) {
      const { piece, error: pieceError } = pending.pop() as { piece: Item[]; error: Error };
      if (piece.length === 1) {
        suspects.push({ item: piece[0] as Item, error: pieceError });
        continue;
      }
      const half = Math.ceil(piece.length / 2);
      // Right half pushed first: the left half is written first (depth first, in order).
      const halves = [piece.slice(half), piece.slice(0, half)];
      for (const part of halves.reverse()) {
        const written = await this.write(sink, part);
        if (written.kind === 'retryable' || written.kind === 'fatal') return { kind: 'retryable', error: written.error };
        if (written.kind === 'ok') {
          successes++;
          await this.deadLetterRejected(destination, part, written.value, deadLettered);
        } else {
          failures++;
          if (successes === 0 && failures > limit) return { kind: 'retryable', error: written.error };
          pending.push({ piece: part, error: written.error });
        }
      }
    }
    return { kind: 'found', suspects, successes };
  }

  /** A write as an outcome: ok with per-document outcomes, retryable, or `threw` (an error no one classified). */
  private async write(sink: DocumentSink, items: Item[]): Promise<AttemptOutcome<DocumentOutcome[]> | { kind: 'threw'; error: Error }> {
    try {
      const result = await sink.write(items.map((i) => i.document));
      if (result.kind === 'retryable') return result;
      return { kind: 'ok', value: result.outcomes };
    } catch (e) {
      const classified = classifyError(e);
      if (classified) return classified;
      return { kind: 'threw', error: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /** Tells `onIndexed` of the documents a write took; a listener that throws does not fail the write. */
  private indexed(destination: string, items: Item[], outcomes: readonly DocumentOutcome[]): void {
    const listener = this.options.onIndexed;
    if (!listener) return;
    const documents: IndexedDocument[] = [];
    outcomes.forEach((o, i) => {
      if (o.kind !== 'rejected') documents.push((items[i] as Item).document);
    });
    if (documents.length === 0) return;
    try {
      listener(destination, documents);
    } catch (e) {
      this.options.log?.('error', { destination, err: (e as Error).message }, 'An indexed-documents listener failed; indexing goes on.');
    }
  }

  private async deadLetterRejected(destination: string, items: Item[], outcomes: DocumentOutcome[], deadLettered: Set<LogRecord>): Promise<void> {
    this.indexed(destination, items, outcomes);
    const rejected: Letter[] = [];
    let duplicates = 0;
    outcomes.forEach((o, i) => {
      if (o.kind === 'rejected') rejected.push({ record: (items[i] as Item).record, reason: o.reason });
      else if (o.kind === 'duplicate') duplicates++;
    });
    if (duplicates > 0) this.options.onDuplicates?.(destination, duplicates);
    await this.deadLetter(destination, rejected, deadLettered);
  }

  /** Into the dead-letter store, each record once per delivery (`deadLettered`), with its reason. */
  private async deadLetter(destination: string, letters: Letter[], deadLettered: Set<LogRecord>): Promise<void> {
    const fresh = letters.filter((l) => !deadLettered.has(l.record));
    if (fresh.length === 0) return;
    await this.options.source.addDeadLetters(fresh.map((l) => ({ destination, reason: l.reason, record: l.record })));
    for (const l of fresh) deadLettered.add(l.record);
    this.options.onDeadLetters?.(destination, fresh.length);
    this.options.log?.('error', { destination, count: fresh.length, seqs: fresh.slice(0, 10).map((l) => l.record.seq), reason: fresh[0]?.reason }, 'Events not delivered; they are in the dead-letter store.');
  }
}
