import { describe, expect, it } from 'vitest';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_EVENT_COUNTED_BYTES, MAX_SPAN_MS, countedBytes, planBatches, splitMessage, EMPTY_MESSAGE } from './batch.js';

const record = (timestampMs: number, message = 'x') => ({ timestampMs, message });
const batchBytes = (batch: { message: string }[]) => batch.reduce((n, e) => n + countedBytes(e.message), 0);

describe('planBatches: within PutLogEvents limits', () => {
  it('cuts at 10,000 events', () => {
    const plan = planBatches(Array.from({ length: 25_001 }, (_, i) => record(1_000 + i)));
    expect(plan.batches.map((b) => b.length)).toEqual([10_000, 10_000, 5_001]);
  });

  it('cuts at 1,048,576 counted bytes (UTF-8 bytes + 26 per event), not at the message length', () => {
    // 'é' is 2 bytes: 1000 chars = 2000 bytes; 2026 counted per event → 517 events fit (517 × 2026 = 1,047,442).
    const plan = planBatches(Array.from({ length: 1_200 }, (_, i) => record(1_000 + i, 'é'.repeat(1_000))));
    expect(plan.batches[0]!.length).toBe(517);
    for (const batch of plan.batches) expect(batchBytes(batch)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(plan.batches.reduce((n, b) => n + b.length, 0)).toBe(1_200);
  });

  it('sorts by time within and across batches, keeping file order for equal times', () => {
    const plan = planBatches([record(30, 'c'), record(10, 'a'), record(20, 'b1'), record(20, 'b2')]);
    expect(plan.batches).toEqual([[{ timestamp: 10, message: 'a' }, { timestamp: 20, message: 'b1' }, { timestamp: 20, message: 'b2' }, { timestamp: 30, message: 'c' }]]);
  });

  it('never lets a batch span more than 24 hours', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const plan = planBatches([record(t0), record(t0 + MAX_SPAN_MS), record(t0 + MAX_SPAN_MS + 1), record(t0 + 3 * MAX_SPAN_MS)]);
    expect(plan.batches.map((b) => b.map((e) => e.timestamp - t0))).toEqual([[0, MAX_SPAN_MS], [MAX_SPAN_MS + 1], [3 * MAX_SPAN_MS]]);
  });

  it('splits an oversized record into flagged parts that join back to it, each within the per-event limit', () => {
    const big = 'ü'.repeat(300_000) + 'END'; // 600,003 bytes, 2-byte characters: cuts must fall between them
    const plan = planBatches([record(5, 'before'), record(5, big), record(6, 'after')]);
    expect(plan.splitRecords).toBe(1);
    const events = plan.batches.flat();
    const parts = events.filter((e) => e.message.startsWith('[hidsmon: part '));
    expect(parts.length).toBe(3);
    for (const [i, p] of parts.entries()) {
      expect(p.message.startsWith(`[hidsmon: part ${i + 1}/3] `)).toBe(true);
      expect(countedBytes(p.message)).toBeLessThanOrEqual(MAX_EVENT_COUNTED_BYTES);
      expect(p.message).not.toContain('\uFFFD');
    }
    expect(parts.map((p) => p.message.replace(/^\[hidsmon: part \d+\/\d+\] /, '')).join('')).toBe(big);
    expect(events.map((e) => e.message.slice(0, 6))).toEqual(['before', '[hidsm', '[hidsm', '[hidsm', 'after']);
    for (const batch of plan.batches) expect(batchBytes(batch)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });

  it('keeps a record of exactly the per-event limit whole', () => {
    const exact = 'a'.repeat(MAX_EVENT_COUNTED_BYTES - EVENT_OVERHEAD_BYTES);
    expect(splitMessage(exact)).toEqual([exact]);
    expect(splitMessage(exact + 'a').length).toBe(2);
  });

  it('takes a spooled record by its byte count and JSON bytes, without decoding its text', () => {
    const json = Buffer.from(JSON.stringify('é"x'), 'utf8');
    const spooled = { timestampMs: 7, messageJson: json, messageBytes: 4, get message(): string { throw new Error('decoded'); } };
    const plan = planBatches([spooled, record(3, 'a')]);
    expect(plan.batches.length).toBe(1);
    expect(plan.batches[0]!.map((e) => e.timestamp)).toEqual([3, 7]);
    expect(plan.batches[0]![1]!.messageJson).toBe(json);
    expect(plan.batches[0]![1]!.messageBytes).toBe(4);
  });

  it('ships an empty record as a flagged placeholder (CloudWatch refuses empty messages) and clamps negative times', () => {
    const plan = planBatches([record(-5, '')]);
    expect(plan.emptyRecords).toBe(1);
    expect(plan.batches).toEqual([[{ timestamp: 0, message: EMPTY_MESSAGE }]]);
  });
});
