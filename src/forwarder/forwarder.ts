/**
 * @module The forwarder: for each destination, a cursor over the durable log. It reads the events
 * after the cursor, turns them into documents (the same transform the Lambda runs), writes them
 * to the destination's sink, and only then moves the cursor: delivery is at-least-once, and the
 * documents' deterministic ids make each alert indexed once. A failing sink is retried with
 * backoff; what a sink refuses for good goes to the dead-letter store, never nowhere.
 */
import type { IndexedDocument } from '../core/document.js';
import { cloudWatchEventId } from '../core/ids.js';
import type { DocumentSink } from '../query/search-api.js';
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
  batchSize?: number;
  /** First retry delay; it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Attempts at a whole batch before it is split to find the documents the sink refuses. */
  attemptsBeforeSplit?: number;
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
  onForwarded?: (destination: string, documents: number) => void;
  onSinkError?: (destination: string, error: Error) => void;
  onDeadLetters?: (destination: string, count: number) => void;
}

export interface DestinationLag {
  destination: string;
  cursor: number;
  lagEvents: number;
  /** Age of the oldest event not yet forwarded, in seconds (0 when caught up). */
  lagSeconds: number;
  lastError?: string;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class Forwarder {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly state = new Map<string, { cursor: number; oldestPending?: number; lastError?: string }>();
  private unsubscribe: (() => void) | undefined;
  private lastSeq = 0;

  constructor(private readonly options: ForwarderOptions) {}

  async start(): Promise<void> {
    this.lastSeq = await this.options.source.lastSequence();
    this.unsubscribe = this.options.source.onAppend(() => {
      for (const wake of this.wakers) wake();
    });
    for (const destination of this.options.sinks.keys()) {
      this.state.set(destination, { cursor: await this.options.source.getCursor(destination) });
      this.loops.push(this.run(destination));
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const wake of this.wakers) wake();
    this.unsubscribe?.();
    await Promise.all(this.loops);
  }

  /** Events and seconds each destination is behind the log. */
  async lag(): Promise<DestinationLag[]> {
    this.lastSeq = await this.options.source.lastSequence();
    const now = (this.options.now ?? Date.now)();
    return [...this.state].map(([destination, s]) => ({
      destination,
      cursor: s.cursor,
      lagEvents: Math.max(0, this.lastSeq - s.cursor),
      lagSeconds: s.oldestPending === undefined ? 0 : Math.max(0, (now - s.oldestPending) / 1000),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
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

  private async run(destination: string): Promise<void> {
    const signal = this.controller.signal;
    const state = this.state.get(destination) as { cursor: number; oldestPending?: number; lastError?: string };
    const sink = this.options.sinks.get(destination) as DocumentSink;
    let pendingWake = false;
    const wake = (): void => {
      pendingWake = true;
      resolveWait?.();
    };
    let resolveWait: (() => void) | undefined;
    this.wakers.add(wake);
    // One batch is read and transformed while the sink commits the one before: the cursor still
    // moves in order, only after the sink took each batch.
    let readPosition = state.cursor;
    let inFlight: Promise<void> | undefined;
    try {
      while (!signal.aborted) {
        const subscriptions = (await this.options.source.subscriptions()).filter((s) => s.destination === destination);
        const groups = [...new Set(subscriptions.map((s) => s.logGroup))];
        const records = groups.length === 0 ? [] : await this.options.source.readAfter(readPosition, this.options.batchSize ?? 5000, groups);
        if (records.length === 0) {
          if (inFlight) {
            await inFlight;
            inFlight = undefined;
            continue;
          }
          state.oldestPending = undefined;
          if (groups.length === 0) {
            // Nothing subscribed yet: everything up to now is not for this destination.
            const last = await this.options.source.lastSequence();
            if (last > state.cursor) {
              state.cursor = last;
              readPosition = last;
              await this.options.source.setCursor(destination, last);
            }
          }
          if (!pendingWake) {
            await new Promise<void>((resolve) => {
              resolveWait = resolve;
              setTimeout(resolve, 1000);
            });
          }
          pendingWake = false;
          continue;
        }
        if (!inFlight) state.oldestPending = records[0]?.ingestionTime;
        const documents = this.documents(records, subscriptions);
        const last = (records[records.length - 1] as LogRecord).seq;
        readPosition = last;
        const delivered = this.deliver(destination, sink, documents, signal);
        const previous = inFlight;
        inFlight = (async () => {
          await previous;
          await delivered;
          if (signal.aborted) return;
          await this.options.source.setCursor(destination, last);
          state.cursor = last;
          state.oldestPending = undefined;
          this.options.onForwarded?.(destination, documents.length);
        })();
        if (previous) await previous;
      }
      await inFlight;
    } catch (e) {
      state.lastError = (e as Error).message;
      this.options.log?.('error', { destination, err: (e as Error).message }, 'Forwarder stopped on an unexpected error.');
    } finally {
      this.wakers.delete(wake);
    }
  }

  /** Documents for the records that pass their group's filter patterns, with their records for dead letters. */
  private documents(records: LogRecord[], subscriptions: Subscription[]): Array<{ record: LogRecord; document: IndexedDocument }> {
    const byGroup = new Map<string, Subscription[]>();
    for (const s of subscriptions) byGroup.set(s.logGroup, [...(byGroup.get(s.logGroup) ?? []), s]);
    const out: Array<{ record: LogRecord; document: IndexedDocument }> = [];
    for (const record of records) {
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
      out.push({ record, document });
    }
    return out;
  }

  /**
   * Writes until the sink takes the batch. After `attemptsBeforeSplit` failures the batch is split
   * in halves, down to single documents; a single document that still fails is a dead letter.
   */
  private async deliver(destination: string, sink: DocumentSink, items: Array<{ record: LogRecord; document: IndexedDocument }>, signal: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    const state = this.state.get(destination) as { lastError?: string };
    let delay = this.options.backoffMs ?? 200;
    const attempts = this.options.attemptsBeforeSplit ?? 5;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await sink.write(items.map((i) => i.document));
        state.lastError = undefined;
        return;
      } catch (e) {
        const error = e as Error;
        state.lastError = error.message;
        this.options.onSinkError?.(destination, error);
        this.options.log?.('warn', { destination, attempt, delayMs: delay, err: error.message, documents: items.length }, 'Retrying a sink write.');
        if (attempt >= attempts) {
          if (items.length === 1) {
            const item = items[0] as { record: LogRecord };
            await this.options.source.addDeadLetters([{ destination, reason: error.message, record: item.record }]);
            this.options.onDeadLetters?.(destination, 1);
            this.options.log?.('error', { destination, seq: item.record.seq, err: error.message }, 'The sink refused an event; it is in the dead-letter store.');
            return;
          }
          const half = Math.ceil(items.length / 2);
          await this.deliver(destination, sink, items.slice(0, half), signal);
          await this.deliver(destination, sink, items.slice(half), signal);
          return;
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.options.maxBackoffMs ?? 30_000);
      }
    }
  }
}
