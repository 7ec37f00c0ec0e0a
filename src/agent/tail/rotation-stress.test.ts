import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTailer } from './follow.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hidsmon-tail-stress-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('FileTailer under rotations and restarts', () => {
  it('delivers every line at least once while the file is rotated both ways and the tailer is stopped (mid-batch too) and restarted', async () => {
    const file = join(dir, 'alerts.json');
    const rand = random(20261201);
    const delivered = new Set<number>();
    let deliveries = 0;
    let generation = 0;
    let next = 1;
    const TOTAL = 3_000;
    let stopAt = 0;
    let lastRotation = 0;
    let firstAfterRotation = 0;

    const run = () => {
      const controller = new AbortController();
      const tailer = new FileTailer({
        inputs: [{ paths: [file], format: 'raw' }],
        checkpointFile: join(dir, 'checkpoint.json'),
        startPosition: 'start',
        pollIntervalMs: 15,
        idleFlushMs: 100,
        shutdownGraceMs: 1,
        maxBatchRecords: 50,
        signal: controller.signal,
        log: process.env.TAIL_DEBUG ? (level, event, fields) => console.log(event, JSON.stringify(fields)) : undefined,
        sink: async (batch) => {
          // A slow sink now and then: a stop during it is a kill mid-batch (taken, never acknowledged, read again).
          if (stopAt > 0 && rand() < 0.1) await new Promise((r) => setTimeout(r, 30));
          if (controller.signal.aborted) throw new Error('killed');
          for (const r of batch.records) delivered.add(Number(r.message.split(' ')[1]));
          deliveries += batch.records.length;
        },
      });
      const done = tailer.run();
      return async () => {
        controller.abort();
        await done;
      };
    };

    let stop = run();
    stopAt = 1;
    // Bounded: TOTAL lines in steps of at most 20.
    while (next <= TOTAL) {
      const count = Math.min(TOTAL - next + 1, 1 + Math.floor(rand() * 10));
      let text = '';
      for (let i = 0; i < count; i++) text += `line ${next++}\n`;
      appendFileSync(file, text);
      // Two rotations before the tailer has looked at the file in between hide the middle file from
      // any polling tailer, so the next rotation waits until a line written after the last one has
      // been delivered (and 100 ms): on a loaded machine a poll can come late, however short its interval.
      const caughtUp = firstAfterRotation === 0 || delivered.has(firstAfterRotation);
      const dice = caughtUp && Date.now() - lastRotation > 100 ? rand() : 0.5;
      if (dice < 0.06) {
        lastRotation = Date.now();
        firstAfterRotation = next;
      }
      if (process.env.TAIL_DEBUG && dice < 0.09) console.log('STEP', dice < 0.03 ? 'rename' : dice < 0.06 ? 'copytruncate' : 'restart', 'after line', next - 1);
      if (dice < 0.03) {
        renameSync(file, `${file}.${++generation}`);
        appendFileSync(file, '');
      } else if (dice < 0.06) {
        copyFileSync(file, `${file}.${++generation}`);
        truncateSync(file, 0);
      } else if (dice < 0.09) {
        await stop();
        stop = run();
      }
      // Rotations further apart than the tailer's polls: more than one rotation behind is lost by any tailer under copytruncate.
      await new Promise((r) => setTimeout(r, 5 + rand() * 10));
    }
    stopAt = 0;
    await stop();
    stop = run();
    const deadline = Date.now() + 30_000;
    while (delivered.size < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await stop();
    const missing = [];
    for (let i = 1; i <= TOTAL; i++) if (!delivered.has(i)) missing.push(i);
    if (process.env.TAIL_DEBUG) console.log('MISSING', missing.slice(0, 5), missing.length, 'gen', generation);
    expect(missing).toEqual([]);
    expect(generation).toBeGreaterThan(3);
    expect(deliveries).toBeLessThan(TOTAL * 2);
  }, 60_000);
});
