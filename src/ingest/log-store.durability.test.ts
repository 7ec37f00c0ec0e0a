/** Events whose PutLogEvents resolved survive a kill -9 of the process (the log is synced at commit). */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogStore } from './log-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-log-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const storeModule = new URL('./log-store.ts', import.meta.url).pathname;

/**
 * The writer: 20 streams putting 200-event batches concurrently (so commits are shared), printing
 * "ack <stream> <batch>" once each put resolved, until it is killed.
 */
const writer = `
import { LogStore } from ${JSON.stringify(storeModule)};
const store = await LogStore.open({ path: process.argv[1] });
if (!store.getLogGroup('g')) await store.createLogGroup('g');
for (let s = 0; s < 20; s++) await store.createLogStream('g', 's' + s);
const run = process.argv[2];
await Promise.all(Array.from({ length: 20 }, async (_, s) => {
  for (let b = 0; ; b++) {
    const t = Date.now();
    const events = Array.from({ length: 200 }, (_, i) => ({ timestamp: t, message: run + ' s' + s + ' b' + b + ' e' + i }));
    const r = await store.putLogEvents('g', 's' + s, events);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    process.stdout.write('ack ' + s + ' ' + b + '\\n');
  }
}));
`;

function writeAndKill(path: string, run: string, acks: number): Promise<Array<[number, number]>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, path, run], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Array<[number, number]> = [];
    let stderr = '';
    let buffer = '';
    proc.stderr.on('data', (c) => (stderr += c));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        acked.push([Number(m[1]), Number(m[2])]);
        if (acked.length === acks) proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('LogStore durability', () => {
  it('holds every acknowledged batch after kill -9, twice over, and keeps sequence numbers unique', async () => {
    const path = join(tmp, 'log.duckdb');
    for (const [run, acks] of [['r1', 60], ['r2', 140]] as const) {
      const acked = await writeAndKill(path, run, acks);
      const store = await LogStore.open({ path });
      const events = await store.readAfter(0, 1_000_000);
      await store.close();
      const held = new Set(events.map((e) => e.message));
      const missing = acked.filter(([s, b]) => !held.has(`${run} s${s} b${b} e0`) || !held.has(`${run} s${s} b${b} e199`));
      expect(missing).toEqual([]);
      expect(new Set(events.map((e) => e.sequence)).size).toBe(events.length);
      expect(events.map((e) => e.sequence)).toEqual([...events.map((e) => e.sequence)].sort((a, b) => a - b));
      // Batches are all or nothing.
      const perBatch = new Map<string, number>();
      for (const e of events) {
        const key = e.message.slice(0, e.message.lastIndexOf(' '));
        perBatch.set(key, (perBatch.get(key) ?? 0) + 1);
      }
      expect([...perBatch.values()].every((n) => n === 200)).toBe(true);
    }
  }, 120_000);
});
