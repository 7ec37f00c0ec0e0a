import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../core/document.js';
import { UnavailableError } from '../pipeline/retry.js';
import { writeSummary, type DocumentOutcome, type DocumentSink, type WriteResult } from '../query/search-api.js';
import { Forwarder, type DeadLetter, type DestinationLag, type ForwarderOptions, type ForwarderSource, type LogRecord, type Subscription } from './forwarder.js';
import { waitFor as waitUntil } from '../testing/wait-for.js';

/** Every 5 ms: these checks watch a cursor or a status pass through a value, which a slower poll could miss. */
const waitFor = (check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void> => waitUntil(check, timeoutMs, 5);

/** An in-memory log: pure logic under test, so a fake is fine here (the server test uses the real one). */
class MemoryLog implements ForwarderSource {
  records: LogRecord[] = [];
  cursors = new Map<string, number>();
  dead: DeadLetter[] = [];
  subs: Subscription[] = [];
  private listeners = new Set<() => void>();
  append(group: string, stream: string, messages: string[]): void {
    for (const message of messages) {
      const seq = this.records.length + 1;
      this.records.push({ seq, logGroup: group, logStream: stream, timestamp: Date.UTC(2024, 2, 2) + seq * 1000, ingestionTime: Date.now(), message });
    }
    for (const l of this.listeners) l();
  }
  /** Set to make reads fail (an unexpected error from the log). */
  readError: Error | undefined;
  async readAfter(after: number, limit: number, groups: readonly string[]): Promise<LogRecord[]> {
    if (this.readError) throw this.readError;
    return this.records.filter((r) => r.seq > after && groups.includes(r.logGroup)).slice(0, limit);
  }
  async lastSequence(): Promise<number> {
    return this.records.length;
  }
  async subscriptions(): Promise<Subscription[]> {
    return this.subs;
  }
  async getCursor(d: string): Promise<number> {
    return this.cursors.get(d) ?? 0;
  }
  async setCursor(d: string, seq: number): Promise<void> {
    this.cursors.set(d, seq);
  }
  async addDeadLetters(letters: DeadLetter[]): Promise<void> {
    this.dead.push(...letters);
  }
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What the fake sink does with a batch: take it (each document as `outcome` says), refuse it as a whole, or throw. */
type Behaviour = (docs: readonly IndexedDocument[], call: number) => 'take' | 'unavailable' | 'throw-unavailable' | 'throw';

class RecordingSink implements DocumentSink {
  docs = new Map<string, IndexedDocument>();
  calls: number[] = [];
  constructor(
    private readonly behaviour: Behaviour = () => 'take',
    private readonly outcome: (doc: IndexedDocument) => DocumentOutcome | undefined = () => undefined,
  ) {}
  async write(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    this.calls.push(documents.length);
    const what = this.behaviour(documents, this.calls.length);
    if (what === 'unavailable') return { kind: 'retryable', error: new Error('sink unavailable') };
    if (what === 'throw-unavailable') throw new UnavailableError('connection refused');
    if (what === 'throw') throw new TypeError('nested.has is not a function');
    return writeSummary(
      documents.map((d) => {
        const forced = this.outcome(d);
        if (forced) return forced;
        if (this.docs.has(d.id)) return { kind: 'duplicate' };
        this.docs.set(d.id, d);
        return { kind: 'indexed' };
      }),
    );
  }
}

const alert = (n: number, level = 3): string => JSON.stringify({ rule: { level, sidid: 5402, comment: 'c' }, id: `1709390000.${n}`, full_log: `line ${n}` });
const FAST: Partial<ForwarderOptions> = { retry: { initialDelayMs: 2, maxDelayMs: 10 }, restart: { initialDelayMs: 5, maxDelayMs: 20 } };
const logOf = (d: IndexedDocument): unknown => d.document['full_log'];

function forwarderFor(log: MemoryLog, sink: DocumentSink, options: Partial<ForwarderOptions> = {}): Forwarder {
  return new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o', ...FAST, ...options });
}

describe('Forwarder', () => {
  it('forwards subscribed groups only, through their filter patterns, and moves the cursor', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: (m) => !m.includes('"level":1') }];
    const sink = new RecordingSink();
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: '123456789012' });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2, 1), alert(3)]);
    await waitFor(() => log.cursors.get('embedded') === 3);
    await forwarder.stop();
    expect([...sink.docs.values()].map(logOf).sort()).toEqual(['line 1', 'line 3']);
    const doc = [...sink.docs.values()][0]!.document;
    expect(doc).toMatchObject({ '@owner': '123456789012', '@log_group': 'hids', '@log_stream': 'i-1' });
    expect(doc['@id']).toMatch(/^\d{56}$/);
  });

  it('moves each cursor past the events of groups for other destinations, so lag reaches 0', async () => {
    const log = new MemoryLog();
    log.subs = [
      { logGroup: 'hids', destination: 'embedded', matches: () => true },
      { logGroup: 'other', destination: 'opensearch', matches: () => true },
    ];
    const embedded = new RecordingSink();
    const opensearch = new RecordingSink();
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', embedded], ['opensearch', opensearch]]), owner: 'o' });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2)]);
    log.append('other', 'x', [alert(3)]);
    log.append('unsubscribed', 'y', [alert(4)]);
    await waitFor(async () => (await forwarder.lag()).every((l) => l.lagEvents === 0));
    expect(await forwarder.drained(1000)).toBe(true);
    expect(log.cursors.get('embedded')).toBe(4);
    expect(log.cursors.get('opensearch')).toBe(4);
    expect(embedded.docs.size).toBe(2);
    expect(opensearch.docs.size).toBe(1);
    await forwarder.stop();
  });

  it('retries an unavailable sink with the whole batch, never splitting it or dead-lettering', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    // Down for 40 attempts, as a result and as a thrown connection error.
    const sink = new RecordingSink((_, call) => (call > 40 ? 'take' : call % 2 ? 'unavailable' : 'throw-unavailable'));
    const errors: string[] = [];
    const forwarder = forwarderFor(log, sink, { onSinkError: (_, e) => errors.push(e.message) });
    await forwarder.start();
    log.append('hids', 'i-1', Array.from({ length: 20 }, (_, i) => alert(i)));
    let sawUnavailable: DestinationLag | undefined;
    await waitFor(async () => {
      const [lag] = await forwarder.lag();
      if (lag?.status === 'sink_unavailable') sawUnavailable = lag;
      return sink.docs.size === 20;
    });
    await forwarder.stop();
    expect(sink.calls.every((n) => n === 20)).toBe(true);
    expect(errors).toHaveLength(40);
    expect(log.dead).toEqual([]);
    expect(log.cursors.get('embedded')).toBe(20);
    expect(sawUnavailable).toMatchObject({ status: 'sink_unavailable', lagEvents: 20 });
    expect((await forwarder.lag())[0]).toMatchObject({ status: 'ok', lagEvents: 0 });
  });

  it('dead-letters a document the sink rejects, with its reason, and indexes the rest of the batch and the next', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink(undefined, (d) => (logOf(d) === 'line 7' ? { kind: 'rejected', reason: 'mapper_parsing_exception: failed to parse [srcip]' } : undefined));
    const forwarder = forwarderFor(log, sink);
    await forwarder.start();
    log.append('hids', 'i-1', Array.from({ length: 16 }, (_, i) => alert(i)));
    await waitFor(() => log.cursors.get('embedded') === 16);
    log.append('hids', 'i-1', [alert(100)]);
    await waitFor(() => log.cursors.get('embedded') === 17);
    await forwarder.stop();
    expect(sink.docs.size).toBe(16);
    expect(log.dead.map((d) => [d.record.seq, d.reason])).toEqual([[8, 'mapper_parsing_exception: failed to parse [srcip]']]);
    expect(sink.calls).toEqual([16, 1]);
  });

  it('isolates a document that makes the sink throw at once, without holding back the rest', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink((docs) => (docs.some((d) => logOf(d) === 'line 700') ? 'throw' : 'take'));
    // The default backoff: isolation must not wait on it.
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o' });
    await forwarder.start();
    const started = performance.now();
    log.append('hids', 'i-1', Array.from({ length: 2000 }, (_, i) => alert(i)));
    await waitFor(() => log.cursors.get('embedded') === 2000);
    const elapsedMs = performance.now() - started;
    log.append('hids', 'i-1', [alert(5000)]);
    await waitFor(() => log.cursors.get('embedded') === 2001);
    await forwarder.stop();
    expect(sink.docs.size).toBe(2000);
    expect(log.dead.map((d) => d.record.seq)).toEqual([701]);
    expect(log.dead[0]!.reason).toMatch(/nested\.has is not a function/);
    expect(elapsedMs).toBeLessThan(3000);
    expect(sink.calls.length).toBeLessThan(40);
  });

  it('dead-letters a lone document that keeps making the sink throw, after the poison timeout', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink((docs) => (docs.some((d) => logOf(d) === 'line 1') ? 'throw' : 'take'));
    const forwarder = forwarderFor(log, sink, { poisonTimeoutMs: 300 });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1)]);
    await waitFor(() => log.cursors.get('embedded') === 1);
    log.append('hids', 'i-1', [alert(2)]);
    await waitFor(() => log.cursors.get('embedded') === 2);
    await forwarder.stop();
    expect(log.dead.map((d) => d.record.seq)).toEqual([1]);
    expect([...sink.docs.values()].map(logOf)).toEqual(['line 2']);
  });

  it('dead-letters an event that the filter pattern or transform throws on, instead of restarting on it for ever', async () => {
    const log = new MemoryLog();
    const matches = (m: string): boolean => {
      if (m.includes('line 2')) throw new TypeError('matcher bug');
      return true;
    };
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches }];
    const sink = new RecordingSink();
    const forwarder = forwarderFor(log, sink);
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2), alert(3)]);
    await waitFor(() => log.cursors.get('embedded') === 3);
    await forwarder.stop();
    expect([...sink.docs.values()].map(logOf)).toEqual(['line 1', 'line 3']);
    expect(log.dead.map((d) => [d.record.seq, d.reason])).toEqual([[2, 'The forwarder could not make a document of this event: matcher bug']]);
    expect((await forwarder.lag())[0]!.restarts).toBe(0);
  });

  it('treats a sink that throws on every document as failing: it waits instead of dead-lettering', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    let broken = true;
    const sink = new RecordingSink(() => (broken ? 'throw' : 'take'));
    const forwarder = forwarderFor(log, sink);
    await forwarder.start();
    log.append('hids', 'i-1', Array.from({ length: 64 }, (_, i) => alert(i)));
    await waitFor(() => sink.calls.length > 50);
    broken = false;
    await waitFor(() => log.cursors.get('embedded') === 64);
    await forwarder.stop();
    expect(log.dead).toEqual([]);
    expect(sink.docs.size).toBe(64);
  });

  it('restarts its loop after an unexpected error from the log, and says so meanwhile', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink();
    const restarts: string[] = [];
    const forwarder = forwarderFor(log, sink, { onRestart: (_, e) => restarts.push(e.message) });
    await forwarder.start();
    log.readError = new Error('IO Error: the log file went away');
    log.append('hids', 'i-1', [alert(1)]);
    await waitFor(async () => (await forwarder.lag())[0]!.status === 'restarting');
    expect((await forwarder.lag())[0]).toMatchObject({ status: 'restarting', lastError: 'IO Error: the log file went away' });
    log.readError = undefined;
    log.append('hids', 'i-1', [alert(2)]);
    await waitFor(() => sink.docs.size === 2);
    await waitFor(async () => (await forwarder.lag())[0]!.status === 'ok');
    await forwarder.stop();
    expect(restarts.length).toBeGreaterThan(0);
    expect((await forwarder.lag())[0]!.restarts).toBe(restarts.length);
  });

  it('leaves no abort listener behind across many retries', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink((_, call) => (call > 200 ? 'take' : 'unavailable'));
    const forwarder = forwarderFor(log, sink, { retry: { initialDelayMs: 1, maxDelayMs: 1 } });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1)]);
    await waitFor(() => sink.docs.size === 1);
    // The forwarder's own stop signal, which every retry waits on (private: the leak is inside).
    const signal = (forwarder as unknown as { controller: AbortController }).controller.signal;
    expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
    await forwarder.stop();
  });

  it('stops within its deadline even when a sink write never returns', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    let writing = false;
    const sink: DocumentSink = { write: () => ((writing = true), new Promise<never>(() => undefined)) };
    const forwarder = forwarderFor(log, sink);
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1)]);
    await waitFor(() => writing);
    const started = performance.now();
    expect(await forwarder.stop(200)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(log.cursors.get('embedded') ?? 0).toBe(0);
  });

  it('reports lag in events and seconds', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink: DocumentSink = { write: async (docs) => (await gate, writeSummary(docs.map(() => ({ kind: 'indexed' })))) };
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o' });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2)]);
    await waitFor(async () => (await forwarder.lag())[0]!.lagEvents === 2);
    release();
    await waitFor(async () => (await forwarder.lag())[0]!.lagEvents === 0);
    await forwarder.stop();
  });

  it('tells onIndexed of every document a write took (indexed or already held), never of a rejected one, and goes on when the listener throws', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink(undefined, (d) => (logOf(d) === 'line 2' ? { kind: 'rejected', reason: 'bad' } : undefined));
    const told: unknown[] = [];
    let calls = 0;
    const forwarder = forwarderFor(log, sink, {
      onIndexed: (destination, documents) => {
        calls++;
        told.push(...documents.map((d) => [destination, logOf(d)]));
        if (calls === 1) throw new Error('listener bug');
      },
    });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2), alert(3)]);
    await waitFor(() => log.cursors.get('embedded') === 3);
    // The same alert again (a transport redelivery): the sink already holds it.
    log.append('hids', 'i-1', [alert(1)]);
    await waitFor(() => log.cursors.get('embedded') === 4);
    await forwarder.stop();
    expect(told).toEqual([['embedded', 'line 1'], ['embedded', 'line 3'], ['embedded', 'line 1']]);
    expect(sink.docs.size).toBe(2);
  });
});

