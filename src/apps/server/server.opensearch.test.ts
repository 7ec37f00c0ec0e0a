/**
 * The server on a real OpenSearch node (`backend: opensearch`), with the AWS SDK v3 client as the
 * shipper: CloudWatch Logs API → durable log → forwarder → OpenSearchSink → OpenSearchBackend →
 * query API; both sinks at once (two subscription filters on one group); a node down at start and
 * mid-stream (degraded, nothing lost, caught up). Every index and template is this file's own
 * prefix's, deleted at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Client } from '@opensearch-project/opensearch';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { indexNameForTime } from '../../core/time.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { openSearchClient } from '../../sinks/opensearch/connection.js';
import { indexTemplateName } from '../../sinks/opensearch/index-template.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { EMBEDDED_DESTINATION, OPENSEARCH_DESTINATION, startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-os-'));
// An admin key: the both-sinks case puts subscription filters, which an agent key may not.
const KEY = { id: 'AKIAHIDSMONTEST0001', secret: 'test-secret-key-0123456789', profile: 'admin' as const };
const TOKEN = 'test-api-token-0123456789abcdef';
const BLOG_QUERY = 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10';
const logger = pino({ level: 'silent' });
const prefixes: string[] = [];
let url: string;
let admin: Client;

beforeAll(async () => {
  url = await sharedOpenSearch();
  admin = openSearchClient({ url });
}, 200_000);
afterAll(async () => {
  for (const prefix of prefixes) {
    await admin?.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await admin?.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  }
  await admin?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A prefix of this file's, cleaned up at the end. */
function ownPrefix(): string {
  const prefix = testIndexPrefix();
  prefixes.push(prefix);
  return prefix;
}

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), accessKeys: [KEY], apiTokens: [TOKEN], ...overrides };
}

const cloudWatch = (server: RunningServer) => new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });

async function api(server: RunningServer, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: text };
  }
}

/** What the forwarder delivered is searchable once the indices refresh (1 s on their own). */
async function refresh(prefix: string): Promise<void> {
  await admin.indices.refresh({ index: `${prefix}*`, allow_no_indices: true, ignore_unavailable: true });
}

async function ship(server: RunningServer, group: string, stream: string, events: Array<{ timestamp: number; message: string }>, create = true): Promise<void> {
  const cw = cloudWatch(server);
  try {
    if (create) {
      await cw.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e: Error) => {
        if (e.name !== 'ResourceAlreadyExistsException') throw e;
      });
      await cw.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch((e: Error) => {
        if (e.name !== 'ResourceAlreadyExistsException') throw e;
      });
    }
    const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
    for (let i = 0; i < sorted.length; i += 500) await cw.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: sorted.slice(i, i + 500) }));
  } finally {
    cw.destroy();
  }
}

describe('server --backend opensearch: ship with the AWS SDK, search through the API', () => {
  let server: RunningServer;
  let prefix: string;
  const now = Date.now();
  const sim = new FleetSimulator({ hosts: 2, seed: 77, ratePerSec: 5, startMs: now - 3_600_000, scenarios: ['ssh-brute-force'] });
  const alerts = Array.from({ length: 2000 }, () => sim.next());

  beforeAll(async () => {
    prefix = ownPrefix();
    server = await startServer(config({ backend: 'opensearch', openSearch: { url, indexPrefix: prefix }, retentionDays: 30 }), { logger, retentionIntervalMs: 200 });
    for (const host of sim.hosts) {
      await ship(server, 'hids-alerts', host.instanceId, alerts.filter((a) => a.host === host).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })));
    }
    // The same alerts again (an agent restarted and re-read its file): indexed once.
    const first = sim.hosts[0]!;
    await ship(server, 'hids-alerts', first.instanceId, alerts.filter((a) => a.host === first).slice(0, 100).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })), false);
    expect(await server.forwarder.drained(60_000)).toBe(true);
    await refresh(prefix);
  }, 120_000);
  afterAll(() => server?.stop());

  it("finds the blog's query, counted exactly, in OpenSearch", async () => {
    const expected = alerts.filter((a) => a.rule.level === 6 && a.host.instanceId === 'i-0e427a8594852eca2' && a.ossecFields['srcip'] === '10.10.10.10').length;
    expect(expected).toBeGreaterThan(0);
    const result = await api(server, '/api/search', { query: BLOG_QUERY, from: 'now-2h', to: 'now', size: 5 });
    expect(result.status).toBe(200);
    expect(result.json.total).toBe(expected);
    expect(result.json.hits[0].document).toMatchObject({ srcip: '10.10.10.10', rule: { level: 6 }, '@log_group': 'hids-alerts', '@owner': DEFAULTS.owner });
    // The hits are OpenSearch's: the node holds them under this server's prefix.
    const direct = await admin.count({ index: `${prefix}*`, body: { query: { query_string: { query: BLOG_QUERY } } } });
    expect(direct.body.count).toBe(expected);
  });

  it('indexes every alert once, re-delivery included; aggregates as the dashboard asks', async () => {
    const result = await api(server, '/api/search', {
      query: '',
      from: 'now-2h',
      to: 'now',
      size: 0,
      aggregations: { hosts: { type: 'cardinality', field: '@log_stream' }, levels: { type: 'terms', field: 'rule.level', size: 20 }, over_time: { type: 'date_histogram', interval_ms: 600_000 } },
    });
    expect(result.status).toBe(200);
    expect(result.json.total).toBe(2000);
    expect(result.json.aggregations.hosts.value).toBe(2);
    const byLevel = new Map<number, number>();
    for (const a of alerts) byLevel.set(a.rule.level, (byLevel.get(a.rule.level) ?? 0) + 1);
    expect(new Map(result.json.aggregations.levels.buckets.map((b: { key: number; count: number }) => [Number(b.key), b.count]))).toEqual(byLevel);
    expect(result.json.aggregations.over_time.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(2000);
  });

  it('answers filter pills, top values and the field catalog', async () => {
    const filtered = await api(server, '/api/search', { query: '', filters: [{ match_phrase: { 'rule.comment': 'SSHD brute force trying to get access to the system.' } }], from: 'now-2h', size: 0 });
    expect(filtered.json.total).toBe(alerts.filter((a) => a.rule.sidid === 5712).length);
    const top = await api(server, '/api/fields/top', { field: 'srcip', query: 'rule.level:>=5', from: 'now-2h' });
    expect(top.status).toBe(200);
    expect(top.json.values[0].value).toBe(sim.attackerIps['ssh-brute-force']);
    const fields = await api(server, '/api/fields');
    expect(fields.json.fields).toContainEqual({ name: 'rule.level', type: 'integer', aggregatable: true });
    expect(fields.json.fields).toContainEqual(expect.objectContaining({ name: 'srcip', type: 'ip' }));
  });

  it('reports a syntax error with its position, as the embedded backend does', async () => {
    const result = await api(server, '/api/search', { query: 'rule.level:(6' });
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ kind: 'syntax', position: expect.any(Number) });
  });

  it('lists and deletes OpenSearch indices by their daily names; ingest shows the opensearch destination caught up', async () => {
    const indices = await api(server, '/api/indices');
    expect(indices.json.indices.reduce((n: number, i: { documents: number }) => n + i.documents, 0)).toBe(2000);
    const ingest = await api(server, '/api/ingest');
    expect(ingest.json.log.events).toBe(2100);
    expect(ingest.json.forwarder).toEqual([expect.objectContaining({ destination: OPENSEARCH_DESTINATION, lag_events: 0, cursor: ingest.json.log.last_sequence })]);
    expect((await api(server, '/healthz')).json).toEqual({ status: 'ok' });

    // A day within retention_days (the retention timer runs every 200 ms here), apart from the alerts'.
    const at = Math.floor(now / 86_400_000) * 86_400_000 - 3 * 86_400_000 + 12 * 3_600_000;
    const write = await server.index.write([documentFromLogEvent({ eventId: cloudWatchEventId(at, 0), timestampMs: at, message: '{"rule":{"level":3}}', owner: '1', logGroup: 'g', logStream: 's' })]);
    expect(write).toMatchObject({ kind: 'ok', written: 1 });
    await refresh(prefix);
    const name = indexNameForTime(at);
    expect((await api(server, '/api/indices')).json.indices.map((i: { name: string }) => i.name)).toContain(name);
    const physical = `${prefix}${name.slice('cwl-'.length)}`;
    expect((await admin.indices.exists({ index: physical })).body).toBe(true);
    expect((await api(server, `/api/indices/${name}`, undefined, 'DELETE')).status).toBe(200);
    expect((await admin.indices.exists({ index: physical })).body).toBe(false);
    expect((await api(server, `/api/indices/${name}`, undefined, 'DELETE')).status).toBe(404);
  });

  it('retention deletes the OpenSearch daily indices past retention_days, and only those', async () => {
    const old = now - 40 * 86_400_000;
    // The retention timer runs every 200 ms here: it may delete the index while this write creates
    // it (OpenSearch then answers 404 for the document, a retryable write). Either way, it goes.
    const written = await server.index.write([documentFromLogEvent({ eventId: cloudWatchEventId(old, 0), timestampMs: old, message: '{"rule":{"level":3}}', owner: '1', logGroup: 'g', logStream: 's' })]);
    if (written.kind !== 'ok') expect(written.error.message).toMatch(/index_not_found/);
    else expect(written.written).toBe(1);
    const oldIndex = `${prefix}${indexNameForTime(old).slice('cwl-'.length)}`;
    // The retention timer (200 ms here) drops it; today's indices stay.
    const deadline = Date.now() + 15_000;
    while ((await admin.indices.exists({ index: oldIndex })).body && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await admin.indices.exists({ index: oldIndex })).body).toBe(false);
    await refresh(prefix);
    expect((await api(server, '/api/search', { query: '', from: 'now-2h', to: 'now', size: 0 })).json.total).toBe(2000);
  });
});

describe('server: both sinks at once', () => {
  it('feeds one log group to the embedded index and OpenSearch by two subscription filters, each with its own cursor', async () => {
    const prefix = ownPrefix();
    const server = await startServer(config({ openSearch: { url, indexPrefix: prefix } }), { logger });
    try {
      const cw = cloudWatch(server);
      try {
        await cw.send(new CreateLogGroupCommand({ logGroupName: 'both' }));
        await cw.send(new CreateLogGroupCommand({ logGroupName: 'only-embedded' }));
        // CloudWatch allows two subscription filters per group; the second only takes level 10 and up.
        await cw.send(new PutSubscriptionFilterCommand({ logGroupName: 'both', filterName: 'to-embedded', filterPattern: '', destinationArn: EMBEDDED_DESTINATION }));
        await cw.send(new PutSubscriptionFilterCommand({ logGroupName: 'both', filterName: 'to-opensearch', filterPattern: '{ $.rule.level >= 10 }', destinationArn: OPENSEARCH_DESTINATION }));
      } finally {
        cw.destroy();
      }
      const t = Date.now() - 60_000;
      const line = (level: number, n: number) => JSON.stringify({ rule: { level, sidid: 5710 + level, comment: `level ${level}` }, id: `both-${n}`, full_log: `alert ${n}` });
      await ship(server, 'both', 'host-1', [1, 2, 3, 4, 5, 6].map((n) => ({ timestamp: t + n, message: line(n % 2 === 0 ? 12 : 3, n) })));
      // A group without filters goes to the backend's destination (embedded) only.
      await ship(server, 'only-embedded', 'host-1', [{ timestamp: t + 10, message: line(12, 10) }]);
      expect(await server.forwarder.drained(30_000)).toBe(true);
      await refresh(prefix);

      const embedded = await api(server, '/api/search', { query: '', from: 'now-1h', size: 0 });
      expect(embedded.json.total).toBe(7);
      const inOpenSearch = await admin.search({ index: `${prefix}*`, body: { size: 10, query: { match_all: {} } } });
      expect(inOpenSearch.body.hits.hits.map((h: any) => h._source.full_log).sort()).toEqual(['alert 2', 'alert 4', 'alert 6']);

      const ingest = await api(server, '/api/ingest');
      const last = ingest.json.log.last_sequence;
      expect(ingest.json.forwarder).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ destination: EMBEDDED_DESTINATION, cursor: last, lag_events: 0, status: 'ok' }),
          expect.objectContaining({ destination: OPENSEARCH_DESTINATION, cursor: last, lag_events: 0, status: 'ok' }),
        ]),
      );
      expect(ingest.json.log_groups.find((g: any) => g.name === 'both').subscription_filters.map((f: any) => f.destination).sort()).toEqual([EMBEDDED_DESTINATION, OPENSEARCH_DESTINATION]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('server: the opensearch destination without a cluster', () => {
  it('refuses a subscription filter to it at PutSubscriptionFilter, naming what to configure', async () => {
    const server = await startServer(config(), { logger });
    const cw = cloudWatch(server);
    try {
      await cw.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
      const refused = await cw.send(new PutSubscriptionFilterCommand({ logGroupName: 'g', filterName: 'f', filterPattern: '', destinationArn: OPENSEARCH_DESTINATION })).catch((e: Error) => e);
      expect(refused).toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/no sink for 'arn:hidsmon:sink:opensearch'; it has: arn:hidsmon:sink:embedded\. .*opensearch\.url in hidsmon\.yaml, \$HIDSMON_OPENSEARCH_URL or hidsmon server --opensearch-url URL/) });
      expect((await api(server, '/api/ingest')).json.log_groups[0].subscription_filters).toEqual([]);
    } finally {
      cw.destroy();
      await server.stop();
    }
  });
});

describe('server --backend opensearch: the node down', () => {
  it('starts with the node unreachable (degraded, 503 on search), keeps the events in the log, and catches up when it is back; the same after an outage mid-stream', async () => {
    const prefix = ownPrefix();
    const proxy = await TcpProxy.start(url);
    await proxy.cut();
    const server = await startServer(config({ backend: 'opensearch', openSearch: { url: proxy.url, indexPrefix: prefix } }), { logger });
    try {
      const health = await api(server, '/healthz');
      expect(health.json.status).toBe('degraded');
      expect(health.json.reasons.join('\n')).toContain(`OpenSearch at ${proxy.url} unreachable`);
      const search = await api(server, '/api/search', { query: '*' });
      expect(search.status).toBe(503);
      expect(search.json.error).toMatchObject({ kind: 'unavailable', message: expect.stringContaining(proxy.url) });

      const t = Date.now() - 60_000;
      await ship(server, 'hids-alerts', 'host-1', Array.from({ length: 50 }, (_, n) => ({ timestamp: t + n, message: JSON.stringify({ rule: { level: 5, sidid: 5715 }, id: `down-${n}`, full_log: `down ${n}` }) })));
      // Taken into the log while the node is down; the forwarder retries and says so.
      const deadline = Date.now() + 20_000;
      let ingest = await api(server, '/api/ingest');
      while (ingest.json.forwarder[0].status !== 'sink_unavailable' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        ingest = await api(server, '/api/ingest');
      }
      expect(ingest.json.log.events).toBe(50);
      expect(ingest.json.forwarder[0]).toMatchObject({ destination: OPENSEARCH_DESTINATION, status: 'sink_unavailable', lag_events: 50 });
      expect(ingest.json.dead_letters).toBe(0);

      await proxy.restore();
      expect(await server.forwarder.drained(60_000)).toBe(true);
      await refresh(prefix);
      const after = await api(server, '/api/search', { query: '', from: 'now-1h', size: 0 });
      expect(after.status).toBe(200);
      expect(after.json.total).toBe(50);
      // The probe's answer stands for 5 s; then health is ok again.
      const healthy = Date.now() + 15_000;
      while ((await api(server, '/healthz')).json.status !== 'ok' && Date.now() < healthy) await new Promise((r) => setTimeout(r, 250));
      expect((await api(server, '/healthz')).json).toEqual({ status: 'ok' });
      expect((await api(server, '/api/ingest')).json.dead_letters).toBe(0);

      // Down again mid-stream: a batch shipped before the cut and one during it, all indexed once after.
      const more = (from: number) => Array.from({ length: 30 }, (_, n) => ({ timestamp: t + 100 + from + n, message: JSON.stringify({ rule: { level: 5, sidid: 5715 }, id: `mid-${from + n}`, full_log: `mid ${from + n}` }) }));
      await ship(server, 'hids-alerts', 'host-1', more(0), false);
      await proxy.cut();
      await ship(server, 'hids-alerts', 'host-1', more(30), false);
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.restore();
      expect(await server.forwarder.drained(60_000)).toBe(true);
      await refresh(prefix);
      expect((await api(server, '/api/search', { query: '', from: 'now-1h', size: 0 })).json.total).toBe(110);
      expect((await api(server, '/api/ingest')).json).toMatchObject({ dead_letters: 0, log: { events: 110 } });
    } finally {
      await server.stop();
      await proxy.close();
    }
  }, 120_000);
});
