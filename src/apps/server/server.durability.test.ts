/**
 * Kill -9 the server at random moments while an SDK client ships alerts: every acknowledged
 * PutLogEvents is in the log after a restart, and every alert is in the index exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { freePort, startServerProcess as startProcess } from '../../testing/processes.js';

const startServerProcess = (data: string, port: number): Promise<ChildProcess> =>
  startProcess({ nodeArgs: ['--import', 'tsx', entry], data, port, env: { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_ACCESS_KEY_PROFILE: 'admin', HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn' } });

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-kill-server-'));
const entry = new URL('../../testing/cli-entry.ts', import.meta.url).pathname;
const KEY = { id: 'AKIAHIDSMONTEST0002', secret: 'durability-secret-0123456789' };
const TOKEN = 'durability-token-0123456789abcdef';
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('server durability', () => {
  it('keeps every acknowledged event and indexes every alert once across kill -9', async () => {
    const data = join(tmp, 'data');
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const cw = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    const sim = new FleetSimulator({ hosts: 1, seed: 5, ratePerSec: 20, startMs: Date.now() - 3_600_000 });
    const batches = Array.from({ length: 40 }, () => Array.from({ length: 100 }, () => sim.next()));
    const stream = sim.hosts[0]!.instanceId;
    const acked = new Set<string>();

    child = await startServerProcess(data, port);
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: stream }));

    let next = 0;
    for (let kill = 0; kill < 3; kill++) {
      // Ship until a random moment, then SIGKILL with requests in flight.
      const killAt = Date.now() + 150 + Math.floor(Math.random() * 500);
      const inFlight: Array<Promise<void>> = [];
      while (Date.now() < killAt && next < batches.length) {
        const batch = batches[next++]!;
        inFlight.push(
          cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: stream, logEvents: batch.map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })) })).then(
            () => void batch.forEach((a) => acked.add(a.alertId)),
            () => undefined,
          ),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      await Promise.all(inFlight);
      await new Promise((r) => child!.once('exit', r));
      child = await startServerProcess(data, port);
    }
    // After the kills, ship everything again that was not acknowledged, and the rest (at-least-once from the client).
    for (const batch of batches) {
      if (batch.every((a) => acked.has(a.alertId))) continue;
      await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: stream, logEvents: batch.map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })) }));
      batch.forEach((a) => acked.add(a.alertId));
    }
    expect(acked.size).toBe(4000);

    // Every acknowledged event is in the log.
    const inLog = new Set<string>();
    let token: string | undefined;
    do {
      const page = await cw.send(new FilterLogEventsCommand({ logGroupName: 'hids-alerts', limit: 10_000, ...(token ? { nextToken: token } : {}) }));
      for (const e of page.events ?? []) inLog.add(JSON.parse(e.message!).id);
      token = page.nextToken;
    } while (token);
    expect([...acked].filter((id) => !inLog.has(id))).toEqual([]);

    // Every alert is in the index exactly once, once the forwarder has caught up.
    const search = async () => {
      const r = await fetch(`${endpoint}/api/search`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: '', from: 'now-3h', size: 0, aggregations: { ids: { type: 'cardinality', field: 'id' } } }),
      });
      return (await r.json()) as { total: number; aggregations: { ids: { value: number } } };
    };
    const deadline = Date.now() + 30_000;
    let result = await search();
    while (result.total < 4000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      result = await search();
    }
    expect(result.total).toBe(4000);
    expect(result.aggregations.ids.value).toBe(4000);
    cw.destroy();
  }, 180_000);
});
