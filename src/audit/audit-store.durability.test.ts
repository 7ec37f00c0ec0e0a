/** Audit entries acknowledged by `flushed()` survive a kill -9 of the process that recorded them. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditStore } from './audit-store.js';
import { parseAuditQuery } from './audit-query.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-audit-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const storeModule = new URL('./audit-store.ts', import.meta.url).pathname;

/** Records entries from 10 concurrent "requests", printing "ack <n>" once flushed() says entry n is on disk. */
const writer = `
import { AuditStore } from ${JSON.stringify(storeModule)};
const store = await AuditStore.open({ path: process.argv[1] });
const run = process.argv[2];
let n = 0;
await Promise.all(Array.from({ length: 10 }, async () => {
  for (;;) {
    const i = n++;
    store.record({ timeMs: Date.now(), actor: { kind: 'access-key', id: 'AKIAKILL', arn: 'arn:aws:iam::1:user/k' }, action: 'logs:CreateLogGroup', outcome: 'allowed', message: run + ' ' + i });
    await store.flushed();
    process.stdout.write('ack ' + i + '\\n');
  }
}));
`;

function recordAndKill(path: string, run: string, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, path, run], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let stderr = '';
    let buffer = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.stderr.on('data', (c) => (stderr += c));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (!m) continue;
        acked.push(Number(m[1]));
        if (acked.length === acks) proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && acked.length >= acks) resolve(acked);
      else reject(new Error(`writer exited ${code ?? signal}: ${stderr}`));
    });
  });
}

describe('AuditStore durability', () => {
  it('holds every acknowledged entry after kill -9, twice over, with unique ids', async () => {
    const path = join(tmp, 'audit.duckdb');
    for (const [run, acks] of [['r1', 300], ['r2', 600]] as const) {
      const acked = await recordAndKill(path, run, acks);
      const store = await AuditStore.open({ path });
      const query = parseAuditQuery(new URLSearchParams({ limit: '1000', q: `${run} ` }), Date.now());
      if (!query.ok) throw new Error(query.error.message);
      const held = new Set<string>();
      const ids: number[] = [];
      for (let cursor = query.value, pages = 0; pages < 100; pages++) {
        const page = await store.search(cursor);
        for (const e of page.entries) {
          held.add(e.message!);
          ids.push(e.id);
        }
        if (!page.nextCursor) break;
        cursor = { ...cursor, before: page.nextCursor };
      }
      await store.close();
      expect(acked.filter((i) => !held.has(`${run} ${i}`))).toEqual([]);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // Ids never repeat across the runs either.
    const store = await AuditStore.open({ path, readOnly: true });
    const all = await store.search({ actors: [], actions: [], outcomes: [], resources: [], limit: 10_000 });
    await store.close();
    expect(new Set(all.entries.map((e) => e.id)).size).toBe(all.entries.length);
  }, 120_000);
});
