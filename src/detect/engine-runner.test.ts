/**
 * The runner around the engine, on the real DetectionStore: a bounded queue that drops and counts
 * instead of blocking, listeners told once per new detection (not when a restart makes one again),
 * and the state written on stop and read back on start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Detection } from '../core/detection.js';
import { simulatedDocuments } from '../testing/simulated-traffic.js';
import { DuckDbDetectionStore } from './detection-store.js';
import { DetectionRunner } from './engine-runner.js';
import { builtinRules } from './pack.js';
import { RuleSet } from './rule-set.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('DetectionRunner', () => {
  it('evaluates off the caller, stores then tells listeners once, saves its state on stop and resumes from it', async () => {
    const statePath = join(tmp, 'state.json');
    const store = await DuckDbDetectionStore.open({ path: join(tmp, 'd.duckdb') });
    const traffic = simulatedDocuments({ count: 3000, seed: 11, hosts: 4, scenarios: ['ssh-brute-force'], attackShare: 0.2 });
    const half = traffic.documents.slice(0, 1500);
    const told: Detection[] = [];
    const first = new DetectionRunner({ rules: new RuleSet(builtinRules()), store, statePath, tickMs: 60_000 });
    first.onDetection((d) => told.push(d));
    first.start();
    first.offer(half);
    expect(told).toEqual([]); // nothing evaluated within offer()
    await first.idle();
    const firstTold = told.length;
    expect(firstTold).toBeGreaterThan(0);
    expect((await store.list({ limit: 1000 })).total).toBe(firstTold);
    await first.stop();

    const second = new DetectionRunner({ rules: new RuleSet(builtinRules()), store, statePath, tickMs: 60_000 });
    second.onDetection((d) => told.push(d));
    second.start();
    expect(second.engine.documents).toBe(1500);
    // The first half again (a redelivery), then the rest: nothing is told twice.
    second.offer(traffic.documents);
    await second.idle();
    await second.stop();
    expect(new Set(told.map((d) => d.id)).size).toBe(told.length);
    expect((await store.list({ limit: 1000 })).total).toBe(told.length);
    await store.close();
  });

  it('drops and counts what does not fit its queue, and never throws at the caller', async () => {
    const store = await DuckDbDetectionStore.open({ path: ':memory:' });
    const dropped: number[] = [];
    const runner = new DetectionRunner({ rules: new RuleSet(builtinRules()), store, maxQueued: 100, onDropped: (n) => dropped.push(n) });
    runner.start();
    const docs = simulatedDocuments({ count: 250, seed: 2 }).documents;
    runner.offer(docs.slice(0, 80));
    runner.offer(docs.slice(80));
    expect(dropped).toEqual([150]);
    expect(runner.dropped).toBe(150);
    await runner.idle();
    expect(runner.engine.documents).toBe(100);
    await runner.stop();
    runner.offer(docs); // after stop: ignored
    await store.close();
  });
});
