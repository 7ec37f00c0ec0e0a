/**
 * `hidsmon demo --data DIR` on the directory of an earlier run continues that run: the same
 * hosts, and no second backfill of the two hours before the first start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timeOfAlertId } from '../../src/core/time.js';
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

/**
 * The alerts the hosts' alerts.json files hold with a time in [fromMs, toMs], counted as the index
 * counts documents: one per host and alert id (a line shipped twice is one document), its time that
 * of its id (OSSEC's `<epoch>.<n>`). A last line still being written is not counted.
 */
function alertsWrittenBetween(hostIds: string[], fromMs: number, toMs: number): number {
  const ids = new Set<string>();
  for (const host of hostIds) {
    const text = readFileSync(join(data, 'demo', 'hosts', host, 'alerts.json'), 'utf8');
    for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
      if (line === '') continue;
      const id = (JSON.parse(line) as { id: string }).id;
      const timeMs = timeOfAlertId(id);
      if (timeMs !== undefined && timeMs >= fromMs && timeMs <= toMs) ids.add(`${host} ${id}`);
    }
  }
  return ids.size;
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
      // What the index holds for that range once every host's agent shipped it and the forwarder
      // indexed it: the alerts the hosts wrote for it (the backfill, all written before the banner).
      // The agents and the forwarder take their time under load, and a count that stood still
      // across one short poll was not yet the whole backfill (28,016 of 35,788 once).
      const expected = alertsWrittenBetween(hostsOf(first.out).split(', '), Date.parse(from), Date.parse(to));
      expect(expected).toBeGreaterThan(1000);
      const deadline = Date.now() + 120_000;
      historyTotal = await count(first.port, from, to);
      while (historyTotal !== expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        historyTotal = await count(first.port, from, to);
      }
      expect(historyTotal, 'the index holds every alert the hosts wrote before the first start').toBe(expected);
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
