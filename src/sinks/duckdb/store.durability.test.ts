/** A batch the store acknowledged survives a kill -9 of its process (DuckDB's log is synced at commit). */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import type { SearchRequest } from '../../query/search-api.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

/** The ids of the first `count` documents the writer makes (the same simulation as the child's). */
function expectedIds(count: number): string[] {
  const sim = new FleetSimulator({ hosts: 2, seed: 11, ratePerSec: 100, startMs: Date.UTC(2024, 2, 2) });
  return Array.from({ length: count }, (_, n) => {
    const alert = sim.next();
    return documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, n), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: 'o', logGroup: 'g', logStream: alert.host.instanceId }).id;
  });
}

/** The dashboard's counts over an unfiltered query, which the store answers from its rollup. */
const DASHBOARD: SearchRequest = {
  query: { kind: 'match_all' },
  size: 0,
  aggregations: {
    over_time: { type: 'date_histogram', intervalMs: 3_600_000, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } },
    types: { type: 'terms', field: 'rule.comment', size: 20 },
    hosts: { type: 'cardinality', field: '@log_stream' },
  },
};

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const child = new URL('../../testing/store-writer-child.ts', import.meta.url).pathname;

/** Starts the writer, kills it with SIGKILL after `acks` acknowledgements, returns the last acknowledged count. */
function writeAndKill(path: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path, '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let seen = 0;
    let stderr = '';
    proc.stderr.on('data', (c) => (stderr += c));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const m = /^ack (\d+)$/.exec(line);
        if (!m) continue;
        acked = Number(m[1]);
        if (++seen === acks) proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('durability', () => {
  it('finds every acknowledged document after kill -9, three times over', async () => {
    const path = join(tmp, 'index.duckdb');
    for (const acks of [3, 7, 12]) {
      const acked = await writeAndKill(path, acks);
      const store = await DuckDbStore.open({ path });
      const result = await store.search({ query: { kind: 'match_all' }, size: 10_000 });
      const rolled = await store.search(DASHBOARD);
      await store.close();
      // The rollup was committed with the rows it counts: after the kill it still counts what the rows hold.
      const rows = await DuckDbStore.open({ path, useRollups: false });
      const counted = await rows.search(DASHBOARD);
      await rows.close();
      expect(rolled.ok && rolled.value.aggregations).toEqual(counted.ok && counted.value.aggregations);
      expect(rolled.ok && rolled.value.total).toBe(counted.ok && counted.value.total);
      if (!result.ok) throw new Error(result.error.message);
      const held = new Set(result.value.hits.map((h) => h.id));
      // The writer restarts its simulation each run: the same alerts again are not written twice.
      expect(result.value.total).toBe(held.size);
      const missing = expectedIds(acked).filter((id) => !held.has(id));
      expect(missing).toEqual([]);
      expect(result.value.total).toBeLessThanOrEqual(acked + 300);
    }
  }, 120_000);
});
