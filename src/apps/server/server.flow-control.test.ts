/**
 * Admission control through the real server (AWS SDK v3 clients → CloudWatch Logs API → durable
 * log → forwarder → DuckDB), with the index behind a SlowSink so that indexing is slower than
 * ingest: PutLogEvents is throttled as CloudWatch throttles, the SDK backs off and sends the batch
 * again, every event is indexed once, and the backlog stays within the bound meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { FaultySink, SlowSink, type Fault } from '../../testing/faulty-sinks.js';
import { startServer, type RunningServer } from './server.js';
import { waitFor } from '../../testing/wait-for.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-flow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONTEST0014', secret: 'flow-secret-0123456789ab' };
const TOKEN = 'flow-token-0123456789abcdef01';
const logger = pino({ level: 'silent' });
const GROUP = 'hids-alerts';

function config(limits: Partial<ServerConfig['limits']>): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), accessKeys: [{ ...KEY, profile: 'admin' }], apiTokens: [TOKEN], limits: { ...DEFAULT_LIMITS, ...limits } };
}

/** A client as an agent has one: the SDK's standard retries (throttling backs off from 500 ms), enough of them to ride out the throttling. */
const client = (server: RunningServer): CloudWatchLogsClient => new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 20 });

/** An OSSEC alert line with an id of its own (stream s, event n). */
function alert(s: number, n: number): { timestamp: number; message: string } {
  const timeMs = Date.now() - 60_000;
  return { timestamp: timeMs, message: JSON.stringify({ rule: { level: 5, sidid: 5715, comment: 'sshd: authentication success.' }, id: `${Math.floor(timeMs / 1000)}.${s}${String(n).padStart(6, '0')}`, TimeStamp: timeMs, full_log: `Accepted password for user${n}`, hostname: `web-${s}` }) };
}

async function json(server: RunningServer, path: string, body?: unknown): Promise<any> {
  const init: RequestInit = body === undefined ? { headers: { Authorization: `Bearer ${TOKEN}` } } : { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  return (await fetch(`${server.url}${path}`, init)).json();
}

async function indexed(server: RunningServer): Promise<{ total: number; distinct: number }> {
  const r = await json(server, '/api/search', { query: '', from: 'now-1d', to: 'now+1d', size: 0, aggregations: { ids: { type: 'cardinality', field: 'id' } } });
  return { total: r.total, distinct: r.aggregations.ids.value };
}


describe('admission control', () => {
  it('throttles PutLogEvents while indexing is behind: the SDK retries, every event is indexed once, the backlog stays bounded', async () => {
    const STREAMS = 4;
    const BATCHES = 6;
    const EVENTS = 250;
    const MAX_LAG_EVENTS = 1500;
    // About 2,000 documents/s, far below what PutLogEvents takes.
    const server = await startServer(config({ maxIndexingLagEvents: MAX_LAG_EVENTS, maxIndexingLagMs: 0, indexingLagAllowanceEvents: 0 }), { logger, wrapSink: (sink) => new SlowSink(sink, 0.5) });
    const clients = Array.from({ length: STREAMS }, () => client(server));
    try {
      await clients[0]!.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      for (let s = 0; s < STREAMS; s++) await clients[0]!.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `i-flow-${s}` }));

      // The backlog as /api/ingest reports it, sampled while the load runs.
      let loading = true;
      let maxLag = 0;
      const sampler = (async () => {
        for (let i = 0; loading && i < 3000; i++) {
          const flow = (await json(server, '/api/ingest')).flow_control;
          maxLag = Math.max(maxLag, flow.lag_events);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const attempts: number[] = [];
      await Promise.all(
        clients.map(async (cw, s) => {
          for (let b = 0; b < BATCHES; b++) {
            const events = Array.from({ length: EVENTS }, (_, i) => alert(s, b * EVENTS + i));
            const out = await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `i-flow-${s}`, logEvents: events }));
            attempts.push(out.$metadata.attempts ?? 1);
          }
        }),
      );
      loading = false;
      await sampler;

      const total = STREAMS * BATCHES * EVENTS;
      // The SDK was refused and sent the same batch again (attempts counts its tries of one command).
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      const ingest = await json(server, '/api/ingest');
      expect(ingest.flow_control).toMatchObject({ max_lag_events: MAX_LAG_EVENTS, max_lag_ms: 0, allowance_events: 0 });
      expect(ingest.flow_control.throttled.lag_events).toBeGreaterThan(0);
      expect(ingest.flow_control.throttled_requests).toBe(attempts.reduce((a, n) => a + n - 1, 0));
      expect(ingest.rejected.ThrottlingException).toBe(ingest.flow_control.throttled_requests);
      // A refused batch was not stored: the log holds each event once.
      expect(ingest.log.events).toBe(total);
      // Admitted requests that arrive together may each add a batch past the bound, no more.
      expect(maxLag).toBeLessThanOrEqual(MAX_LAG_EVENTS + STREAMS * EVENTS);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
      expect(metrics).toMatch(new RegExp(`hidsmon_ingest_throttled_total\\{reason="lag_events"\\} ${ingest.flow_control.throttled.lag_events}\\b`));
      expect(metrics).toMatch(/hidsmon_ingest_throttling \d/);

      await waitFor(async () => (await indexed(server)).total >= total, 30_000);
      expect(await indexed(server)).toEqual({ total, distinct: total });
      expect((await json(server, '/api/ingest')).dead_letters).toBe(0);
      // Caught up: PutLogEvents is admitted again.
      await waitFor(async () => (await json(server, '/api/ingest')).flow_control.throttling === false, 10_000);
    } finally {
      for (const cw of clients) cw.destroy();
      await server.stop();
    }
  }, 90_000);

  it('throttles on time: a backlog the recent indexing rate needs longer than max_indexing_lag_ms for', async () => {
    const server = await startServer(config({ maxIndexingLagEvents: 0, maxIndexingLagMs: 300, indexingLagAllowanceEvents: 500 }), { logger, wrapSink: (sink) => new SlowSink(sink, 0.5) });
    const cw = client(server);
    try {
      await cw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'i-flow-t' }));
      // One stream shipping as fast as it is let: the backlog grows past 300 ms within a few batches.
      const total = 8 * 500;
      for (let b = 0; b < 8; b++) await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'i-flow-t', logEvents: Array.from({ length: 500 }, (_, i) => alert(7, b * 500 + i)) }));
      const ingest = await json(server, '/api/ingest');
      expect(ingest.flow_control.throttled.lag_seconds).toBeGreaterThan(0);
      expect(ingest.log.events).toBe(total);
      await waitFor(async () => (await indexed(server)).total >= total, 30_000);
      expect(await indexed(server)).toEqual({ total, distinct: total });
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 60_000);

  it('a destination that is down does not throttle: its events wait in the durable log', async () => {
    let fault: Fault = 'none';
    const server = await startServer(config({ maxIndexingLagEvents: 100, maxIndexingLagMs: 100, indexingLagAllowanceEvents: 0 }), { logger, wrapSink: (sink) => new FaultySink(sink, () => fault) });
    const cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    try {
      await cw.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      await cw.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'i-flow-d' }));
      fault = 'unavailable';
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'i-flow-d', logEvents: Array.from({ length: 200 }, (_, i) => alert(8, i)) }));
      await waitFor(async () => (await json(server, '/api/ingest')).forwarder[0].status === 'sink_unavailable', 10_000, 50);
      // 200 events behind, over both bounds, and still admitted (maxAttempts 1: no retry hides a refusal).
      await cw.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'i-flow-d', logEvents: Array.from({ length: 200 }, (_, i) => alert(8, 200 + i)) }));
      expect((await json(server, '/api/ingest')).flow_control).toMatchObject({ throttling: false, throttled_requests: 0 });
      fault = 'none';
      await waitFor(async () => (await indexed(server)).total >= 400, 30_000);
      expect(await indexed(server)).toEqual({ total: 400, distinct: 400 });
    } finally {
      cw.destroy();
      await server.stop();
    }
  }, 60_000);
});
