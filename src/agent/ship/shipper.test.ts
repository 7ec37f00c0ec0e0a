/**
 * The shipper end to end against the real hidsmon server with the AWS SDK v3 client and an `agent`
 * key: delivery, the endpoint away and back (spooled, then delivered, across a shipper restart),
 * a full spool as backpressure, non-retryable errors that keep events spooled, heartbeats.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { startServer, type RunningServer } from '../../apps/server/server.js';
import { createLogsClient } from '../logs-client.js';
import type { AgentRecord, RecordBatch } from '../record.js';
import { createShipper, type Shipper, type ShipperOptions } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-ship-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'test-api-token-ship-0123456789abcdef';
const logger = pino({ level: 'silent' });
const GROUP = 'hids-alerts';

function config(dataDir: string, port = 0): ServerConfig {
  return { ...DEFAULTS, port, dataDir, accessKeys: [], apiTokens: [TOKEN] };
}

/** Log lines the shipper wrote, by level, to assert that it said what is wrong. */
function recordingLog() {
  const lines: Array<{ level: string; msg: string; o: Record<string, unknown> }> = [];
  const at = (level: string) => (o: object, msg: string) => void lines.push({ level, msg, o: o as Record<string, unknown> });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

function alerts(n: number, seed: number): AgentRecord[] {
  const sim = new FleetSimulator({ hosts: 1, seed, ratePerSec: 20, startMs: Date.now() - 3_600_000, scenarios: ['ssh-brute-force'] });
  return Array.from({ length: n }, () => {
    const a = sim.next();
    return { timestampMs: a.timeMs, message: renderAlert(a, 'ossec-json') };
  });
}

const position = { file: '/var/ossec/logs/alerts/alerts.json', dev: 1, ino: 1, fingerprint: 'f', offset: 0 };
const batch = (records: AgentRecord[]): RecordBatch => ({ records, position });

async function count(server: RunningServer, query: string): Promise<number> {
  expect(await server.forwarder.drained(20_000)).toBe(true);
  const response = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query, from: 'now-3h', to: 'now+1h', size: 0 }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { total: number }).total;
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function shipper(server: { url: string }, key: { id: string; secret: string }, stream: string, spoolDir: string, log: ShipperOptions['log'], extra: Partial<ShipperOptions> = {}): Promise<Shipper> {
  const client = createLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: key.id, secretAccessKey: key.secret } });
  return createShipper({ client, logGroup: GROUP, logStream: stream, spoolDir, spoolMaxBytes: 64 * 1024 * 1024, bufferMs: 50, heartbeatMs: 0, retryPolicy: { initialDelayMs: 20, maxDelayMs: 200 }, log, ...extra });
}

describe('shipper → hidsmon server', () => {
  it('ships every record, creating the group and stream with an agent key, and says so in its counters', async () => {
    const server = await startServer(config(join(tmp, 'a')), { logger });
    try {
      const key = server.credentials.store.createAccessKey({ profile: 'agent' });
      const { log } = recordingLog();
      const ship = await shipper(server, key, 'i-0aaa00000000000a1', join(tmp, 'a-spool'), log);
      const records = alerts(2_500, 1);
      for (let i = 0; i < records.length; i += 300) await ship.sink(batch(records.slice(i, i + 300)));
      expect(await ship.drained(20_000)).toBe(true);
      expect(ship.status()).toMatchObject({ sentEvents: 2_500, state: 'ok', lastError: null, spool: { records: 0, bytes: 0, appendedRecords: 2_500 } });
      expect(await ship.close(1_000)).toBe(true);
      expect(await count(server, '@log_stream: "i-0aaa00000000000a1"')).toBe(2_500);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('spools while the endpoint is down, keeps the spool across a shipper restart, and delivers it all once the endpoint is back', async () => {
    const dataDir = join(tmp, 'b');
    const first = await startServer(config(dataDir), { logger });
    const port = first.port;
    const key = first.credentials.store.createAccessKey({ profile: 'agent' });
    const url = first.url;
    await first.stop();
    const spoolDir = join(tmp, 'b-spool');
    const { lines, log } = recordingLog();
    const records = alerts(1_200, 2);
    let ship = await shipper({ url }, key, 'i-0bbb00000000000b1', spoolDir, log);
    for (let i = 0; i < 800; i += 200) await ship.sink(batch(records.slice(i, i + 200)));
    await until('a retry', () => ship.status().state === 'retrying');
    expect(ship.status().lastError).not.toBeNull();
    expect(lines.some((l) => l.level === 'warn' && /will retry/.test(l.msg))).toBe(true);
    expect(await ship.close(100)).toBe(false); // endpoint away: left spooled
    // A new shipper (the agent restarted) finds the spool and adds to it.
    ship = await shipper({ url }, key, 'i-0bbb00000000000b1', spoolDir, log);
    expect(ship.status().spool.records).toBe(800);
    await ship.sink(batch(records.slice(800)));
    const server = await startServer(config(dataDir, port), { logger });
    try {
      expect(await ship.drained(30_000)).toBe(true);
      expect(ship.status().state).toBe('ok');
      await ship.close(1_000);
      expect(await count(server, '@log_stream: "i-0bbb00000000000b1"')).toBe(1_200);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('a full spool holds the sink pending (backpressure), says so, and takes the rest once there is room: nothing dropped', async () => {
    const dataDir = join(tmp, 'c');
    const first = await startServer(config(dataDir), { logger });
    const port = first.port;
    const key = first.credentials.store.createAccessKey({ profile: 'agent' });
    const url = first.url;
    await first.stop();
    const { lines, log } = recordingLog();
    const records = alerts(400, 3);
    const ship = await shipper({ url }, key, 'i-0ccc00000000000c1', join(tmp, 'c-spool'), log, { spoolMaxBytes: 60_000 });
    let accepted = 0;
    let pending: Promise<void> | undefined;
    for (let i = 0; i < records.length; i += 20) {
      const append = ship.sink(batch(records.slice(i, i + 20)));
      // Settled, or the spool says it is full (no timing guess: a slow fsync is not backpressure).
      const settled = await Promise.race([append.then(() => true), until('full', () => ship.status().spool.full, 60_000).then(() => false)]);
      if (!settled) {
        pending = append;
        break;
      }
      accepted += 20;
    }
    expect(pending).toBeDefined();
    expect(accepted).toBeLessThan(records.length);
    expect(ship.status().spool.full).toBe(true);
    expect(ship.status().spool.bytes).toBeLessThanOrEqual(60_000);
    expect(lines.some((l) => l.level === 'warn' && /spool full/.test(l.msg))).toBe(true);
    const server = await startServer(config(dataDir, port), { logger });
    try {
      await pending; // room again: the waiting append went in
      accepted += 20;
      for (let i = accepted; i < records.length; i += 20) await ship.sink(batch(records.slice(i, i + 20)));
      expect(await ship.drained(30_000)).toBe(true);
      expect(ship.status().spool.full).toBe(false);
      await ship.close(1_000);
      expect(await count(server, '@log_stream: "i-0ccc00000000000c1"')).toBe(400);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('a non-retryable error (a key scoped to another group, a revoked key) keeps the events spooled and is reported; with a good key they are delivered', async () => {
    const server = await startServer(config(join(tmp, 'd')), { logger });
    try {
      const store = server.credentials.store;
      const good = store.createAccessKey({ profile: 'agent' });
      const scoped = store.createAccessKey({ profile: 'agent', logGroups: ['another-group'] });
      const revoked = store.createAccessKey({ profile: 'agent' });
      expect(store.revoke(revoked.id)).toBe('revoked');
      for (const [name, bad, code] of [
        ['scoped', scoped, 'AccessDeniedException'],
        ['revoked', revoked, 'UnrecognizedClientException'],
      ] as const) {
        const stream = `i-0ddd0000000000${name === 'scoped' ? 'd1' : 'd2'}`;
        const spoolDir = join(tmp, `d-spool-${name}`);
        const { lines, log } = recordingLog();
        const ship = await shipper(server, bad, stream, spoolDir, log, { fatalRetryMs: 100 });
        await ship.sink(batch(alerts(150, name === 'scoped' ? 4 : 5)));
        await until(`${name}: blocked`, () => ship.status().state === 'blocked');
        const status = ship.status();
        expect(status.lastError?.code).toBe(code);
        expect(status.spool.records).toBe(150);
        expect(status.sentEvents).toBe(0);
        const error = lines.find((l) => l.level === 'error');
        expect(error?.o['code']).toBe(code);
        // Tried again at the slow rate, still kept.
        await until(`${name}: second report`, () => lines.filter((l) => l.level === 'error').length >= 2);
        expect(ship.status().spool.records).toBe(150);
        expect(await ship.close(200)).toBe(false);
        // The key is replaced in the configuration and the agent restarted: the spool is delivered.
        const fixed = await shipper(server, good, stream, spoolDir, log);
        expect(await fixed.drained(20_000)).toBe(true);
        expect(fixed.status()).toMatchObject({ sentEvents: 150, state: 'ok' });
        await fixed.close(1_000);
        expect(await count(server, `@log_stream: "${stream}"`)).toBe(150);
      }
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('a record larger than one event reaches the server as flagged parts, with nothing refused or lost', async () => {
    const server = await startServer(config(join(tmp, 'f')), { logger });
    try {
      const key = server.credentials.store.createAccessKey({ profile: 'agent' });
      const { log } = recordingLog();
      const ship = await shipper(server, key, 'i-0fff00000000000f1', join(tmp, 'f-spool'), log);
      const records = alerts(50, 6);
      const big = { timestampMs: records[10]!.timestampMs, message: `{"huge":"${'x'.repeat(600_000)}"}` };
      await ship.sink(batch([...records.slice(0, 25), big, ...records.slice(25)]));
      expect(await ship.drained(20_000)).toBe(true);
      expect(ship.status()).toMatchObject({ sentEvents: 53, splitRecords: 1, state: 'ok', lastError: null });
      await ship.close(1_000);
      expect(await count(server, '@log_stream: "i-0fff00000000000f1"')).toBe(53);
      expect(await count(server, '@log_stream: "i-0fff00000000000f1" AND hidsmon.flags: not_an_alert')).toBe(3);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('events the server refuses for their time (over 14 days old) are counted as rejected and reported, and delivery moves on', async () => {
    const server = await startServer(config(join(tmp, 'g')), { logger });
    try {
      const key = server.credentials.store.createAccessKey({ profile: 'agent' });
      const { lines, log } = recordingLog();
      const ship = await shipper(server, key, 'i-0ggg00000000000g1', join(tmp, 'g-spool'), log);
      const old = Array.from({ length: 5 }, (_, i) => ({ timestampMs: Date.now() - 20 * 86_400_000 + i, message: `{"old":${i}}` }));
      await ship.sink(batch(old));
      await ship.sink(batch(alerts(40, 7)));
      expect(await ship.drained(20_000)).toBe(true);
      expect(ship.status()).toMatchObject({ rejectedEvents: 5, sentEvents: 40, state: 'ok' });
      expect(lines.find((l) => l.level === 'warn' && /refused events for their time/.test(l.msg))?.o).toMatchObject({ tooOld: 5 });
      await ship.close(1_000);
      expect(await count(server, '@log_stream: "i-0ggg00000000000g1"')).toBe(40);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('sends a heartbeat on its interval into the host stream, flagged as a heartbeat and not an alert', async () => {
    const server = await startServer(config(join(tmp, 'e')), { logger });
    try {
      const key = server.credentials.store.createAccessKey({ profile: 'agent' });
      const { log } = recordingLog();
      const ship = await shipper(server, key, 'i-0eee00000000000e1', join(tmp, 'e-spool'), log, { heartbeatMs: 150, heartbeatInfo: () => ({ agent_version: '0.1.0', host: 'web-1', files: 2 }) });
      await until('three heartbeats', () => ship.status().heartbeats >= 3);
      await ship.close(2_000);
      expect(ship.status().spool.records).toBe(0);
      const beats = await count(server, '@log_stream: "i-0eee00000000000e1" AND hidsmon.flags: heartbeat');
      expect(beats).toBeGreaterThanOrEqual(3);
      expect(await count(server, '@log_stream: "i-0eee00000000000e1" AND hidsmon.flags: not_an_alert')).toBe(0);
      expect(await count(server, '@log_stream: "i-0eee00000000000e1" AND heartbeat.files: 2')).toBe(beats);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
