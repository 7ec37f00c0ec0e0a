/**
 * Faults through the real server (AWS SDK v3 client → CloudWatch Logs API → durable log →
 * forwarder → DuckDB), with the index behind a FaultySink: a 60 s sink outage, documents the index
 * refuses or throws on, and an unexpected error from the log. /healthz says what is going on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import type { IndexedDocument } from '../../core/document.js';
import { FaultySink, type Fault } from '../../testing/faulty-sinks.js';
import { startServer, type RunningServer, type StartOptions } from './server.js';
import { waitFor } from '../../testing/wait-for.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-faults-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONTEST0003', secret: 'faults-secret-0123456789' };
const TOKEN = 'faults-token-0123456789abcdef';
const logger = pino({ level: 'silent' });
const GROUP = 'hids-alerts';
const STREAM = 'i-0faults';

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), accessKeys: [{ ...KEY, profile: 'admin' }], apiTokens: [TOKEN], ...overrides };
}

async function start(options: Partial<StartOptions> = {}, overrides: Partial<ServerConfig> = {}): Promise<{ server: RunningServer; cw: CloudWatchLogsClient }> {
  const server = await startServer(config(overrides), { logger, ...options });
  const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
  await cw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
  return { server, cw };
}

/** An OSSEC alert line with its own id; `marker` goes into full_log. */
function alert(n: number, marker = 'ok'): { timestamp: number; message: string } {
  const timeMs = Date.now() - 60_000;
  return {
    timestamp: timeMs,
    message: JSON.stringify({ rule: { level: 5, sidid: 5715, comment: 'sshd: authentication success.' }, id: `${Math.floor(timeMs / 1000)}.${n}`, TimeStamp: timeMs, full_log: `${marker} Accepted password for user${n}`, hostname: 'web-1' }),
  };
}

async function json(server: RunningServer, path: string, body?: unknown): Promise<any> {
  const init: RequestInit = body === undefined ? { headers: { Authorization: `Bearer ${TOKEN}` } } : { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  return (await fetch(`${server.url}${path}`, init)).json();
}

const health = async (server: RunningServer): Promise<{ status: string; reasons?: string[] }> => (await fetch(`${server.url}/healthz`)).json() as Promise<{ status: string; reasons?: string[] }>;

/** Documents in the index and how many distinct alert ids they hold. */
async function indexed(server: RunningServer): Promise<{ total: number; distinct: number }> {
  const r = await json(server, '/api/search', { query: '', from: 'now-1d', to: 'now+1d', size: 0, aggregations: { ids: { type: 'cardinality', field: 'id' } } });
  return { total: r.total, distinct: r.aggregations.ids.value };
}


describe('server faults', () => {
  it('rides out a 60 s sink outage while alerts flow: every alert indexed once, nothing dead-lettered, degraded meanwhile', async () => {
    let fault: Fault = 'none';
    const { server, cw } = await start({ wrapSink: (sink) => new FaultySink(sink, () => fault) });
    try {
      let sent = 0;
      const ship = async (count: number): Promise<void> => {
        const events = Array.from({ length: count }, () => alert(sent++));
        await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: events }));
      };
      await ship(50);
      await waitFor(async () => (await indexed(server)).total === 50, 10_000);

      fault = 'unavailable';
      const outageEnds = Date.now() + 60_000;
      const seen = { degraded: 0, ok: 0, maxLagEvents: 0, reasons: new Set<string>() };
      while (Date.now() < outageEnds) {
        await ship(20); // ingest keeps taking alerts while the sink is down
        const h = await health(server);
        if (h.status === 'degraded') {
          seen.degraded++;
          for (const r of h.reasons ?? []) seen.reasons.add(r.replace(/ for \d+ s/, ''));
        } else seen.ok++;
        const ingest = await json(server, '/api/ingest');
        seen.maxLagEvents = Math.max(seen.maxLagEvents, ingest.forwarder[0].lag_events);
        await new Promise((r) => setTimeout(r, 1000));
      }
      fault = 'none';
      // A poll or two right after the outage began may still say ok; after that, degraded throughout.
      expect(seen.degraded + seen.ok).toBeGreaterThan(30);
      expect(seen.ok).toBeLessThan(4);
      expect([...seen.reasons].some((r) => /sink arn:hidsmon:sink:embedded unavailable, retrying: .*ECONNREFUSED/.test(r))).toBe(true);
      expect(seen.maxLagEvents).toBeGreaterThan(20 * (seen.degraded - 2)); // the cursor waited: its lag grew with every batch

      await waitFor(async () => (await indexed(server)).total === sent, 30_000, 250);
      expect(await indexed(server)).toEqual({ total: sent, distinct: sent });
      expect((await json(server, '/api/ingest')).dead_letters).toBe(0);
      await waitFor(async () => (await health(server)).status === 'ok', 5000);
      expect((await json(server, '/api/ingest')).forwarder[0]).toMatchObject({ status: 'ok', lag_events: 0 });
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 150_000);

  it('dead-letters what the index refuses, with its reason, and indexes the rest of the batch and the batches after it within seconds', async () => {
    // One document broken so that the real DuckDB store refuses it; another makes the sink throw.
    const tamper = (d: IndexedDocument): IndexedDocument => (String(d.document['full_log']).startsWith('REFUSED') ? { ...d, document: { ...d.document, '@timestamp': 'not a date' } } : d);
    const throwsOn = (d: IndexedDocument): boolean => String(d.document['full_log']).startsWith('THROWS');
    const { server, cw } = await start({ wrapSink: (sink) => new FaultySink(sink, () => 'none', tamper, throwsOn) });
    try {
      const started = Date.now();
      const first = Array.from({ length: 200 }, (_, i) => alert(i, i === 50 ? 'REFUSED' : i === 150 ? 'THROWS' : 'ok'));
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: first }));
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: Array.from({ length: 100 }, (_, i) => alert(1000 + i)) }));
      await waitFor(async () => (await indexed(server)).total === 298, 5000, 50);
      // The rows are searchable once DuckDB commits them, a moment before the forwarder's cursor
      // passes them (it moves once the sink's write resolved): both within the same seconds.
      await waitFor(async () => (await json(server, '/api/ingest')).forwarder[0].lag_events === 0, Math.max(0, 5000 - (Date.now() - started)), 50);
      expect(Date.now() - started).toBeLessThan(5000);
      const ingest = await json(server, '/api/ingest');
      expect(ingest.dead_letters).toBe(2);
      expect(ingest.forwarder[0]).toMatchObject({ lag_events: 0, status: 'ok' });
      const letters = (await json(server, '/api/dead-letters')) as any;
      const reasons = (Array.isArray(letters) ? letters : letters.dead_letters ?? letters.items).map((l: any) => [JSON.parse(l.message).full_log.split(' ')[0], l.reason]);
      expect(reasons).toEqual(
        expect.arrayContaining([
          ['REFUSED', expect.stringMatching(/@timestamp must be an ISO 8601 date/)],
          ['THROWS', expect.stringMatching(/The sink failed on this document: injected: nested\.has is not a function/)],
        ]),
      );
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 30_000);

  it('restarts the forwarder after an unexpected error from the log, degraded meanwhile, and loses nothing', async () => {
    const { server, cw } = await start();
    try {
      const log = server.log as unknown as { readAfter: (...args: unknown[]) => Promise<unknown> };
      const readAfter = log.readAfter.bind(log);
      log.readAfter = async () => {
        throw new Error('injected: the log could not be read');
      };
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: Array.from({ length: 10 }, (_, i) => alert(i)) }));
      let degraded: { status: string; reasons?: string[] } | undefined;
      await waitFor(async () => ((degraded = await health(server)).status === 'degraded'), 10_000);
      expect(degraded?.reasons?.join('\n')).toMatch(/forwarder for arn:hidsmon:sink:embedded restarting after an error.*injected: the log could not be read/);
      log.readAfter = readAfter;
      await waitFor(async () => (await indexed(server)).total === 10, 60_000, 200);
      await waitFor(async () => (await health(server)).status === 'ok', 10_000);
      expect((await json(server, '/api/ingest')).forwarder[0].restarts).toBeGreaterThan(0);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
      expect(metrics).toMatch(/hidsmon_forwarder_restarts_total\{destination="arn:hidsmon:sink:embedded"\} [1-9]/);
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 90_000);

  it('moves the cursor past groups that go to no destination, so lag reaches 0', async () => {
    const { server, cw } = await start({}, { autoSubscribe: false });
    try {
      await cw.send(new CreateLogGroupCommand({ logGroupName: 'other' }));
      await cw.send(new CreateLogStreamCommand({ logGroupName: 'other', logStreamName: STREAM }));
      await cw.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'all', filterPattern: '', destinationArn: 'arn:hidsmon:sink:embedded' }));
      for (let i = 0; i < 3; i++) {
        await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: [alert(i)] }));
        await cw.send(new PutLogEventsCommand({ logGroupName: 'other', logStreamName: STREAM, logEvents: [alert(100 + i), alert(200 + i)] }));
      }
      await waitFor(async () => (await json(server, '/api/ingest')).forwarder[0].lag_events === 0, 10_000);
      expect(await indexed(server)).toEqual({ total: 3, distinct: 3 });
      expect((await json(server, '/api/ingest')).forwarder[0].cursor).toBe(9);
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 30_000);

  it('says degraded when a destination lags past health_lag_seconds', async () => {
    let fault: Fault = 'unavailable';
    const { server, cw } = await start({ wrapSink: (sink) => new FaultySink(sink, () => fault) }, { healthLagSeconds: 1 });
    try {
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: [alert(1)] }));
      await waitFor(async () => ((await health(server)).reasons ?? []).some((r) => /s behind \(1 events; threshold 1 s\)/.test(r)), 10_000);
      fault = 'none';
      await waitFor(async () => (await health(server)).status === 'ok', 20_000);
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 30_000);
});
