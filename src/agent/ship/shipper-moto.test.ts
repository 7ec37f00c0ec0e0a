/**
 * The shipper against moto's CloudWatch Logs (an implementation nobody here wrote): it creates the
 * group and stream, and what it reads back (with the AWS SDK) is every record, oversized ones as
 * flagged parts. moto checks less than AWS (no sizes, no spans): shipper.test.ts has the strict
 * server. moto does refuse a batch out of time order, and keeps events in arrival order: batches in
 * flight together may arrive in any order, so each batch's run of events is in time order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../testing/moto.js';
import { createLogsClient } from '../logs-client.js';
import { createShipper } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-ship-moto-'));
let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
}, 30_000);
afterAll(async () => {
  await moto?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('shipper → moto_server', () => {
  it('creates the group and stream and delivers every record, each batch in time order, an oversized one as flagged parts', async () => {
    const client = createLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const ship = await createShipper({ client, logGroup: 'hids-alerts', logStream: 'i-0moto0000000001', spoolDir: join(tmp, 'spool'), spoolMaxBytes: 16 * 1024 * 1024, bufferMs: 50, heartbeatMs: 0, log: quiet });
    const t0 = Date.now() - 60_000;
    // Out of order in the file, as alerts from two sources can be: sent sorted.
    const records = Array.from({ length: 12_000 }, (_, i) => ({ timestampMs: t0 + ((i * 7919) % 12_000), message: `{"id":"${i}"}` }));
    records.push({ timestampMs: t0 + 20_000, message: 'y'.repeat(300_000) });
    await ship.sink({ records, position: { file: 'f', dev: 1, ino: 1, fingerprint: 'x', offset: 0 } });
    expect(await ship.drained(30_000)).toBe(true);
    expect(ship.status()).toMatchObject({ sentEvents: 12_002, splitRecords: 1, state: 'ok' });
    expect(ship.status().sentBatches).toBeGreaterThanOrEqual(2); // 10,000 events at most per batch
    await ship.close(1_000);
    const reader = new CloudWatchLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const got: OutputLogEvent[] = [];
    let token: string | undefined;
    for (let page = 0; page < 50; page++) {
      const out = await reader.send(new GetLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: 'i-0moto0000000001', startFromHead: true, ...(token ? { nextToken: token } : {}) }));
      got.push(...(out.events ?? []));
      if (!out.nextForwardToken || out.nextForwardToken === token) break;
      token = out.nextForwardToken;
    }
    expect(got.length).toBe(12_002);
    // Time order within each batch: the order breaks at most once per batch boundary (2 batches here).
    const times = got.map((e) => e.timestamp!);
    expect(times.filter((t, i) => i > 0 && t < times[i - 1]!).length).toBeLessThanOrEqual(ship.status().sentBatches - 1);
    const parts = got.filter((e) => e.message!.startsWith('[hidsmon: part '));
    expect(parts.map((e) => e.message!.slice(0, 20))).toEqual(['[hidsmon: part 1/2] ', '[hidsmon: part 2/2] ']);
    expect(parts.map((e) => e.message!.slice(20)).join('')).toBe('y'.repeat(300_000));
    expect(new Set(got.filter((e) => !e.message!.startsWith('[')).map((e) => e.message)).size).toBe(12_000);
    client.destroy();
    reader.destroy();
  }, 60_000);
});
