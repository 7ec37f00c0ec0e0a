/**
 * `hidsmon demo --data DIR` on the directory of an earlier run continues that run: the same
 * hosts, and no second backfill of the two hours before the first start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/processes.js';

const entry = new URL('../../src/testing/cli-entry.ts', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-demo-continue-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');

interface DemoRun { out: string; port: number; stop: () => Promise<number | null> }

async function startDemo(): Promise<DemoRun> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, 'demo', '--port', String(port), '--data', data, '--rate', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    proc.kill('SIGINT');
    return exited;
  };
  const deadline = Date.now() + 60_000;
  while (!/Demo: [^\n]*\n/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      await stop();
      throw new Error(`demo did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { get out() { return out; }, port, stop };
}

async function until<T>(get: () => T, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = get();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const hostsOf = (out: string): string => /Demo: \d+ simulated hosts \(([^)]*)\)/.exec(out)![1]!;

describe('hidsmon demo --data DIR of an earlier run', () => {
  it('continues it: the same host ids, no second backfill', async () => {
    const first = await startDemo();
    let token: string;
    let firstStart: number;
    let historyTotal: number;
    const count = async (port: number, from: string, to: string): Promise<number> => {
      const r = await fetch(`http://127.0.0.1:${port}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '', from, to, size: 0 }) });
      return ((await r.json()) as { total: number }).total;
    };
    try {
      token = /Viewer token, [^\n]*\): (\S+)/.exec(first.out)![1]!;
      expect(first.out).toMatch(/alerts from the last two hours/);
      const fleet = JSON.parse(readFileSync(join(data, 'demo', 'fleet.json'), 'utf8')) as { createdMs: number; backfilled: boolean };
      expect(fleet.backfilled).toBe(true);
      firstStart = fleet.createdMs;
      const from = new Date(firstStart - 3 * 3_600_000).toISOString();
      // OSSEC's times are whole seconds: live alerts of the first start's second can fall just before it.
      const to = new Date(Math.floor(firstStart / 1000) * 1000 - 1).toISOString();
      const deadline = Date.now() + 30_000;
      historyTotal = 0;
      // The forwarder indexes shortly after ingest: wait until the count settles.
      for (let last = -1; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
        historyTotal = await count(first.port, from, to);
        if (historyTotal > 1000 && historyTotal === last) break;
        last = historyTotal;
      }
      expect(historyTotal).toBeGreaterThan(1000);
      // Each host's OSSEC writes its alerts file in the data directory; its agent keeps its state beside it.
      for (const id of hostsOf(first.out).split(', ')) {
        const lines = readFileSync(join(data, 'demo', 'hosts', id, 'alerts.json'), 'utf8').trimEnd().split('\n');
        expect(JSON.parse(lines[0]!).rule.sidid).toEqual(expect.any(Number));
        const status = await until(() => JSON.parse(readFileSync(join(data, 'demo', 'agents', id, 'status.json'), 'utf8')) as { logStream: string; sent: { events: number } }, (st) => st.sent.events > 0);
        expect(status.logStream).toBe(id);
      }
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startDemo();
    try {
      expect(hostsOf(second.out)).toBe(hostsOf(first.out));
      expect(second.out).toMatch(/continuing the fleet first started [^\n]*\(no second backfill\)/);
      expect(second.out).not.toMatch(/alerts from the last two hours/);
      // Live alerts keep arriving, under the same hosts...
      const deadline = Date.now() + 30_000;
      let live = 0;
      while (live === 0 && Date.now() < deadline) {
        live = await count(second.port, new Date(Date.now() - 10_000).toISOString(), new Date(Date.now() + 60_000).toISOString());
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(live).toBeGreaterThan(0);
      // ...and the two hours before the first start hold what they held.
      expect(await count(second.port, new Date(firstStart - 3 * 3_600_000).toISOString(), new Date(Math.floor(firstStart / 1000) * 1000 - 1).toISOString())).toBe(historyTotal);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 180_000);
});
