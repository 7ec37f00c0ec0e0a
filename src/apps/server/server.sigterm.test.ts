/**
 * SIGTERM to `hidsmon server` (a child process, the CLI's own signal handling) whose sink is down:
 * it exits within 10 s, its cursor saved where the sink last took a batch, and a restarted server
 * resumes from there and indexes every alert exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogStore } from '../../ingest/log-store.js';
import { freePort, startServerProcess } from '../../testing/processes.js';
import { EMBEDDED_DESTINATION } from './server.js';
import { waitFor } from '../../testing/wait-for.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-sigterm-'));
const KEY = { id: 'AKIAHIDSMONTEST0004', secret: 'sigterm-secret-0123456789' };
const TOKEN = 'sigterm-token-0123456789abcdef';
const faultFile = join(tmp, 'fault');
const env = { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn', HIDSMON_TEST_FAULT_FILE: faultFile };
const entry = (name: string): string[] => ['--import', 'tsx', new URL(`../../testing/${name}`, import.meta.url).pathname];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function alerts(from: number, count: number): Array<{ timestamp: number; message: string }> {
  const timeMs = Date.now() - 60_000;
  return Array.from({ length: count }, (_, i) => ({
    timestamp: timeMs,
    message: JSON.stringify({ rule: { level: 3, sidid: 5402, comment: 'Successful sudo to ROOT executed' }, id: `${Math.floor(timeMs / 1000)}.${from + i}`, TimeStamp: timeMs, full_log: `sudo: alert ${from + i}` }),
  }));
}

async function api(port: number, path: string): Promise<any> {
  return (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
}

async function total(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '', from: 'now-1d', to: 'now+1d', size: 0 }) });
  return ((await r.json()) as { total: number }).total;
}


function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('server: SIGTERM with a failing sink', () => {
  for (const fault of ['unavailable', 'hang'] as const) {
    it(`stops within 10 s of SIGTERM while its sink is ${fault === 'hang' ? 'stuck in a write' : 'refusing connections'}, and resumes from its saved cursor`, async () => {
      const data = join(tmp, `data-${fault}`);
      const port = await freePort();
      const server = await startServerProcess({ nodeArgs: entry('faulty-server-entry.ts'), data, port, env });
      children.push(server);
      const cw = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
      await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
      await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0sigterm' }));
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0sigterm', logEvents: alerts(0, 100) }));
      await waitFor(async () => (await total(port)) === 100, 15_000);

      writeFileSync(faultFile, fault);
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0sigterm', logEvents: alerts(100, 100) }));
      if (fault === 'unavailable') await waitFor(async () => ((await api(port, '/healthz')) as { status: string }).status === 'degraded', 15_000);
      else await new Promise((r) => setTimeout(r, 1000)); // the write hangs; nothing to observe from outside but the lag
      const before = (await api(port, '/api/ingest')) as { log: { last_sequence: number }; forwarder: Array<{ cursor: number; lag_events: number }> };
      expect(before.forwarder[0]!.lag_events).toBe(100);
      cw.destroy();

      const signalled = performance.now();
      server.kill('SIGTERM');
      const code = await exited(server);
      const stopMs = performance.now() - signalled;
      expect(stopMs).toBeLessThan(10_000);
      expect(code).toBe(0);

      // The cursor on disk is where the sink last took a batch: the 100 undelivered events wait after it.
      const log = await LogStore.open({ path: join(data, 'log.duckdb') });
      expect(await log.getCursor(EMBEDDED_DESTINATION)).toBe(before.forwarder[0]!.cursor);
      expect(log.lastSequence()).toBe(before.log.last_sequence);
      await log.close();

      // The real `hidsmon server` on the same data resumes from it.
      unlinkSync(faultFile);
      const again = await startServerProcess({ nodeArgs: entry('cli-entry.ts'), data, port, env });
      children.push(again);
      await waitFor(async () => (await total(port)) === 200, 20_000);
      // The cursor is saved just after the sink took the batch, so the search may see it first.
      await waitFor(async () => ((await api(port, '/api/ingest')) as { forwarder: Array<{ lag_events: number }> }).forwarder[0]!.lag_events === 0, 10_000);
      const after = (await api(port, '/api/ingest')) as { dead_letters: number; forwarder: Array<{ lag_events: number }> };
      expect(after.dead_letters).toBe(0);
      expect(after.forwarder[0]!.lag_events).toBe(0);
      again.kill('SIGTERM');
      expect(await exited(again)).toBe(0);
    }, 90_000);
  }
});
