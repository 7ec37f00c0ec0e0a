/**
 * `npm start` runs `hidsmon demo`: a server plus two simulated hosts, each with a real agent following its alerts file.
 * Started as a user would (a child process), it must serve alerts within seconds and stop
 * cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/processes.js';

const entry = new URL('../../src/testing/cli-entry.ts', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hidsmon demo', () => {
  it('serves the simulated fleet\'s alerts and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', entry, 'demo', '--port', String(port), '--data', join(tmp, 'data'), '--rate', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Viewer token, [^\n]*\): (\S+)/.test(out) || !/Demo: /.test(out)) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`demo did not start:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toMatch(new RegExp(`Open the UI:\\s+http://127\\.0\\.0\\.1:${port}/login\\?token=`));
      expect(out).toMatch(/2 simulated hosts \(i-0e427a8594852eca2, i-0[0-9a-f]{16}\)/);
      const token = /Viewer token, [^\n]*\): (\S+)/.exec(out)![1]!;
      // The hosts ship with the agent key the first start made, not the admin key.
      const agentKey = /Agent key, [^\n]*\n\s+AWS_ACCESS_KEY_ID=(HIDS[0-9A-F]{16})/.exec(out)?.[1];
      const adminKey = /Admin key, [^\n]*\n\s+AWS_ACCESS_KEY_ID=(HIDS[0-9A-F]{16})/.exec(out)?.[1];
      expect(agentKey).toBeDefined();
      expect(adminKey).not.toBe(agentKey);
      expect(out).toContain(`ship to log group hids-alerts with agent key ${agentKey} `);
      const search = async (query: string, from: string) => {
        const r = await fetch(`http://127.0.0.1:${port}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query, from, size: 0 }) });
        return ((await r.json()) as { total: number }).total;
      };
      // The backfilled history is searchable, and live alerts keep arriving.
      let history = 0;
      while (history === 0 && Date.now() < deadline) history = await search('', 'now-3h');
      expect(history).toBeGreaterThan(1000);
      // The login link opens Discover on a range that shows the fleet's data: the two hours of backfill, not the last 24 hours.
      const link = /Open the UI:\s+(\S+)/.exec(out)![1]!;
      const landing = await fetch(link, { redirect: 'manual' });
      expect(landing.status).toBe(302);
      const opened = new URL(landing.headers.get('location') ?? '', link);
      expect(`${opened.pathname}${opened.search}`).toBe('/discover?from=now-2h&to=now');
      expect(await search('', 'now-2h')).toBeGreaterThan(1000);
      let live = 0;
      while (live === 0 && Date.now() < deadline) {
        live = await search('', 'now-5s');
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(live).toBeGreaterThan(0);
    } finally {
      proc.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(err).toMatch(/stopping/);
  }, 120_000);
});
