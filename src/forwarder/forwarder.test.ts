import { describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../core/document.js';
import type { DocumentSink, WriteSummary } from '../query/search-api.js';
import { Forwarder, type DeadLetter, type ForwarderSource, type LogRecord, type Subscription } from './forwarder.js';

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
  async readAfter(after: number, limit: number, groups: readonly string[]): Promise<LogRecord[]> {
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

class RecordingSink implements DocumentSink {
  docs = new Map<string, IndexedDocument>();
  calls = 0;
  constructor(private readonly fail: (docs: readonly IndexedDocument[], call: number) => boolean = () => false) {}
  async write(documents: readonly IndexedDocument[]): Promise<WriteSummary> {
    this.calls++;
    if (this.fail(documents, this.calls)) throw new Error('sink unavailable');
    let written = 0;
    for (const d of documents) if (!this.docs.has(d.id)) (this.docs.set(d.id, d), written++);
    return { written, duplicates: documents.length - written };
  }
}

const alert = (n: number, level = 3): string => JSON.stringify({ rule: { level, sidid: 5402, comment: 'c' }, id: `1709390000.${n}`, full_log: `line ${n}` });

describe('Forwarder', () => {
  it('forwards subscribed groups only, through their filter patterns, and moves the cursor', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: (m) => !m.includes('"level":1') }];
    const sink = new RecordingSink();
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: '123456789012' });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2, 1), alert(3)]);
    log.append('other', 'x', [alert(4)]);
    await waitFor(() => log.cursors.get('embedded') === 3);
    expect(await forwarder.drained(200)).toBe(false); // 'other' is not subscribed, so the cursor stops at hids' last event
    expect(log.cursors.get('embedded')).toBe(3);
    await forwarder.stop();
    expect([...sink.docs.values()].map((d) => d.document['full_log']).sort()).toEqual(['line 1', 'line 3']);
    const doc = [...sink.docs.values()][0]!.document;
    expect(doc).toMatchObject({ '@owner': '123456789012', '@log_group': 'hids', '@log_stream': 'i-1' });
    expect(doc['@id']).toMatch(/^\d{56}$/);
  });

  it('retries a failing sink with backoff and loses nothing', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink((_, call) => call <= 3);
    const errors: string[] = [];
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o', backoffMs: 5, onSinkError: (_, e) => errors.push(e.message) });
    await forwarder.start();
    log.append('hids', 'i-1', Array.from({ length: 20 }, (_, i) => alert(i)));
    await waitFor(() => sink.docs.size === 20);
    await forwarder.stop();
    expect(errors).toEqual(['sink unavailable', 'sink unavailable', 'sink unavailable']);
    expect(log.dead).toEqual([]);
    expect(log.cursors.get('embedded')).toBe(20);
  });

  it('isolates documents the sink refuses for good into dead letters and forwards the rest', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    const sink = new RecordingSink((docs) => docs.some((d) => d.document['full_log'] === 'line 7'));
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o', backoffMs: 1, attemptsBeforeSplit: 2 });
    await forwarder.start();
    log.append('hids', 'i-1', Array.from({ length: 16 }, (_, i) => alert(i)));
    await waitFor(() => log.cursors.get('embedded') === 16);
    await forwarder.stop();
    expect(sink.docs.size).toBe(15);
    expect(log.dead.map((d) => [d.record.seq, d.reason])).toEqual([[8, 'sink unavailable']]);
  });

  it('reports lag in events and seconds', async () => {
    const log = new MemoryLog();
    log.subs = [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink: DocumentSink = { write: async (docs) => (await gate, { written: docs.length, duplicates: 0 }) };
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o' });
    await forwarder.start();
    log.append('hids', 'i-1', [alert(1), alert(2)]);
    await waitFor(async () => (await forwarder.lag())[0]!.lagEvents === 2);
    release();
    await waitFor(async () => (await forwarder.lag())[0]!.lagEvents === 0);
    await forwarder.stop();
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
