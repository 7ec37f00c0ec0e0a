/**
 * The forwarder's lag as admission control reads it (lagAt): the age of the oldest event not yet
 * taken by the sink while batches are pipelined, and the rate of the batches it took.
 */
import { describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../core/document.js';
import { writeSummary, type DocumentSink, type WriteResult } from '../query/search-api.js';
import { batchLimit, Forwarder, type DeadLetter, type ForwarderSource, type LogRecord } from './forwarder.js';
import { waitFor as waitUntil } from '../testing/wait-for.js';

/** Every 5 ms: these checks watch a cursor or a status pass through a value, which a slower poll could miss. */
const waitFor = (check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void> => waitUntil(check, timeoutMs, 5);

/** A log whose records carry the ingestion times a test gives (a fake: the forwarder's logic is under test). */
class TimedLog implements ForwarderSource {
  records: LogRecord[] = [];
  cursor = 0;
  append(count: number, ingestionTime: number): void {
    for (let i = 0; i < count; i++) {
      const seq = this.records.length + 1;
      this.records.push({ seq, logGroup: 'hids', logStream: 'i-1', timestamp: Date.UTC(2024, 2, 2) + seq, ingestionTime, message: JSON.stringify({ rule: { level: 3 }, id: `1709390000.${seq}`, full_log: `line ${seq}` }) });
    }
  }
  async readAfter(after: number, limit: number): Promise<LogRecord[]> {
    return this.records.filter((r) => r.seq > after).slice(0, limit);
  }
  async lastSequence(): Promise<number> {
    return this.records.length;
  }
  async subscriptions() {
    return [{ logGroup: 'hids', destination: 'embedded', matches: () => true }];
  }
  async getCursor(): Promise<number> {
    return this.cursor;
  }
  async setCursor(_: string, seq: number): Promise<void> {
    this.cursor = seq;
  }
  async addDeadLetters(_: DeadLetter[]): Promise<void> {}
  onAppend(): () => void {
    return () => undefined;
  }
}

/** A sink whose writes wait until the test lets each one through. */
class GatedSink implements DocumentSink {
  waiting: Array<() => void> = [];
  async write(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return writeSummary(documents.map(() => ({ kind: 'indexed' as const })));
  }
}


describe('Forwarder.lagAt', () => {
  it('ages the lag by the oldest batch not yet taken, also while the next one is read ahead, and measures the rate of batches taken', async () => {
    const log = new TimedLog();
    log.append(200, 1000);
    log.append(200, 2000);
    log.append(200, 3000);
    const sink = new GatedSink();
    let now = 5000;
    const forwarder = new Forwarder({ source: log, sinks: new Map([['embedded', sink]]), owner: 'o', batchSize: 200, now: () => now });
    await forwarder.start();
    try {
      // The first batch is being written; the second has been read behind it.
      await waitFor(() => sink.waiting.length === 1);
      expect(forwarder.lagAt(600)[0]).toMatchObject({ lagEvents: 600, lagSeconds: 4, ratePerSecond: 0 });
      sink.waiting.shift()!();
      // Taken: the oldest waiting event is the second batch's (read before the first was taken).
      await waitFor(() => log.cursor === 200 && sink.waiting.length === 1);
      expect(forwarder.lagAt(600)[0]).toMatchObject({ lagEvents: 400, lagSeconds: 3 });
      expect(forwarder.lagAt(600)[0]!.ratePerSecond).toBeGreaterThan(0);
      sink.waiting.shift()!();
      await waitFor(() => log.cursor === 400 && sink.waiting.length === 1);
      now = 6000;
      expect(forwarder.lagAt(600)[0]).toMatchObject({ lagEvents: 200, lagSeconds: 3 });
      sink.waiting.shift()!();
      await waitFor(() => log.cursor === 600);
      expect(forwarder.lagAt(600)[0]).toMatchObject({ lagEvents: 0, lagSeconds: 0 });
    } finally {
      for (const release of sink.waiting) release();
      await forwarder.stop();
    }
  });
});

describe('batchLimit', () => {
  it('takes what the rate indexes in a quarter second, within 500 and the configured most; the most until a rate is known', () => {
    expect(batchLimit(0, 5000)).toBe(5000);
    expect(batchLimit(20_000, 5000)).toBe(5000);
    expect(batchLimit(8000, 5000)).toBe(2000);
    expect(batchLimit(1600, 5000)).toBe(500);
    expect(batchLimit(1600, 200)).toBe(200);
  });
});
