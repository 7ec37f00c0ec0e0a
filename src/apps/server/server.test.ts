/**
 * The server end to end, with the real AWS SDK v3 client as the shipper: CloudWatch Logs API →
 * durable log → forwarder → embedded index → query API; and who may get in.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-server-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = { id: 'AKIAHIDSMONTEST0001', secret: 'test-secret-key-0123456789' };
const TOKEN = 'test-api-token-0123456789abcdef';
const logger = pino({ level: 'silent' });

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), accessKeys: [KEY], apiTokens: [TOKEN], ...overrides };
}

const client = (server: RunningServer, secret = KEY.secret) =>
  new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: secret }, maxAttempts: 1 });

async function api(server: RunningServer, path: string, body?: unknown, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, json, headers: response.headers };
}

describe('server: ship with the AWS SDK, search through the API', () => {
  let server: RunningServer;
  const now = Date.now();
  const sim = new FleetSimulator({ hosts: 2, seed: 77, ratePerSec: 5, startMs: now - 3_600_000, scenarios: ['ssh-brute-force'] });
  const alerts = Array.from({ length: 3000 }, () => sim.next());

  beforeAll(async () => {
    server = await startServer(config(), { logger });
    const cw = client(server);
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'hids-alerts' }));
    for (const host of sim.hosts) {
      await cw.send(new CreateLogStreamCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId }));
      const events = alerts.filter((a) => a.host === host).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') }));
      for (let i = 0; i < events.length; i += 500) await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: host.instanceId, logEvents: events.slice(i, i + 500) }));
    }
    // The same alerts again (an agent restarted and re-read its file): indexed once.
    const first = sim.hosts[0]!;
    await cw.send(new PutLogEventsCommand({ logGroupName: 'hids-alerts', logStreamName: first.instanceId, logEvents: alerts.filter((a) => a.host === first).slice(0, 100).map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })) }));
    cw.destroy();
    expect(await server.forwarder.drained(20_000)).toBe(true);
  }, 60_000);
  afterAll(() => server.stop());

  it("finds the blog's query, counted exactly", async () => {
    const expected = alerts.filter((a) => a.rule.level === 6 && a.host.instanceId === 'i-0e427a8594852eca2' && a.ossecFields['srcip'] === '10.10.10.10').length;
    expect(expected).toBeGreaterThan(0);
    const result = await api(server, '/api/search', { query: 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10', from: 'now-2h', to: 'now', size: 5 });
    expect(result.status).toBe(200);
    expect(result.json.total).toBe(expected);
    expect(result.json.hits[0].document).toMatchObject({ srcip: '10.10.10.10', rule: { level: 6 }, '@log_group': 'hids-alerts', '@owner': DEFAULTS.owner });
  });

  it('indexes every alert once, re-delivery included', async () => {
    const result = await api(server, '/api/search', { query: '', from: 'now-2h', to: 'now', size: 0, aggregations: { hosts: { type: 'cardinality', field: '@log_stream' } } });
    expect(result.json.total).toBe(3000);
    expect(result.json.aggregations.hosts.value).toBe(2);
  });

  it('answers filter pills, top values and the field catalog', async () => {
    const filtered = await api(server, '/api/search', { query: '', filters: [{ match_phrase: { 'rule.comment': 'SSHD brute force trying to get access to the system.' } }], from: 'now-2h', size: 0 });
    expect(filtered.json.total).toBe(alerts.filter((a) => a.rule.sidid === 5712).length);
    const top = await api(server, '/api/fields/top', { field: 'srcip', query: 'rule.level:>=5', from: 'now-2h' });
    expect(top.status).toBe(200);
    expect(top.json.values[0].value).toBe(sim.attackerIps['ssh-brute-force']);
    expect(top.json.values[0].share).toBeGreaterThan(0.3);
    const fields = await api(server, '/api/fields');
    expect(fields.json.fields).toContainEqual({ name: 'rule.level', type: 'integer', aggregatable: true });
  });

  it('reports a syntax error with its position and hint', async () => {
    const result = await api(server, '/api/search', { query: 'rule.level:(6' });
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ kind: 'syntax', position: expect.any(Number), hint: expect.any(String) });
  });

  it('reports indices, ingest state and metrics', async () => {
    const indices = await api(server, '/api/indices');
    expect(indices.json.indices.reduce((n: number, i: { documents: number }) => n + i.documents, 0)).toBe(3000);
    const ingest = await api(server, '/api/ingest');
    expect(ingest.json.log.events).toBe(3100);
    expect(ingest.json.forwarder).toEqual([expect.objectContaining({ destination: 'arn:hidsmon:sink:embedded', lag_events: 0 })]);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const text = await metrics.text();
    expect(text).toMatch(/hidsmon_forwarder_documents_total\{destination="arn:hidsmon:sink:embedded"\} 3100/);
    expect(text).toMatch(/^hidsmon_ingest_events_total 3100$/m);
    const bytes = Number(/^hidsmon_ingest_bytes_total (\d+)$/m.exec(text)?.[1]);
    expect(bytes).toBe(ingest.json.log.stored_bytes);
    expect(text).toMatch(/# TYPE hidsmon_query_duration_seconds histogram/);
  });

  it('serves prom-client metrics: counters move with traffic, and event-loop lag shows a stall', async () => {
    const scrape = async (): Promise<{ text: string; value: (line: RegExp) => number }> => {
      const response = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(response.headers.get('content-type')).toBe(server.metrics.registry.contentType);
      const text = await response.text();
      // A labelled counter has no line before its first increment: that is 0.
      return { text, value: (line) => Number(new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) };
    };
    const before = await scrape();
    const queries = before.value(/hidsmon_http_requests_total\{api="query",status="2xx"\}/);
    expect(before.text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    expect(before.text).toMatch(/^process_cpu_seconds_total \S+$/m);
    // The server shares this thread: a busy wait stalls its event loop, as a backtracking regex would.
    // First let the delay monitor (reset by the scrape, sampling every 10 ms) take a base sample.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 250;
    while (performance.now() < until) {
      /* stall */
    }
    const searches = before.value(/hidsmon_query_duration_seconds_count\{route="search"\}/);
    for (let i = 0; i < 3; i++) expect((await api(server, '/api/search', { query: 'rule.level: 6', from: 'now-2h', to: 'now', size: 1 })).status).toBe(200);
    const after = await scrape();
    expect(after.value(/hidsmon_http_requests_total\{api="query",status="2xx"\}/)).toBe(queries + 3);
    // The maximum since the previous scrape: at least most of the 250 ms stall.
    expect(after.value(/nodejs_eventloop_lag_max_seconds/)).toBeGreaterThanOrEqual(0.2);
    expect(after.value(/hidsmon_query_duration_seconds_count\{route="search"\}/)).toBe(searches + 3);
  });
});

describe('server: access', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(config(), { logger });
  });
  afterAll(() => server.stop());

  it('answers /healthz without credentials, and nothing else', async () => {
    expect((await api(server, '/healthz', undefined, {})).json).toEqual({ status: 'ok' });
    for (const path of ['/api/fields', '/api/indices', '/api/openapi.json', '/metrics']) {
      const r = await api(server, path, undefined, {});
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await api(server, '/api/fields', undefined, { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('trades the one-time login link for an HttpOnly, SameSite=Strict session cookie, once', async () => {
    const link = server.newLoginUrl();
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^hidsmon_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\//);
    const session = cookie.split(';')[0]!;
    // The server's printed link signs in as admin; a viewer link as viewer.
    expect((await api(server, '/api/session', undefined, { Cookie: session })).json).toMatchObject({ authenticated: true, role: 'admin', principal: { kind: 'session' } });
    const viewerLink = await fetch(server.newLoginUrl('viewer'), { redirect: 'manual' });
    const viewer = (viewerLink.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await api(server, '/api/session', undefined, { Cookie: viewer })).json.role).toBe('viewer');
    expect((await fetch(`${server.url}/api/indices/cwl-2020.01.01`, { method: 'DELETE', headers: { Cookie: viewer, 'Content-Type': 'application/json' } })).status).toBe(403);
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/works once/);
    // With the cookie alone, a write must be JSON (a cross-site form cannot send that).
    const form = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'query=x' });
    expect(form.status).toBe(415);
  });

  it('a viewer token from the credential store reads but cannot delete an index or read keys; the admin token can', async () => {
    const viewer = server.credentials.store.createApiToken({ role: 'viewer', description: 'roles test' });
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    expect((await api(server, '/api/search', { query: '*' }, as(viewer.secret))).status).toBe(200);
    const at = Date.UTC(2026, 0, 5, 12);
    await server.index.write([documentFromLogEvent({ eventId: cloudWatchEventId(at, 0), timestampMs: at, message: '{"rule":{"level":3}}', owner: '1', logGroup: 'g', logStream: 's' })]);
    const name = 'cwl-2026.01.05';
    expect((await api(server, '/api/indices', undefined, as(viewer.secret))).json.indices.map((i: { name: string }) => i.name)).toContain(name);
    const del = (token: string) => fetch(`${server.url}/api/indices/${name}`, { method: 'DELETE', headers: as(token) });
    const refused = await del(viewer.secret);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error).toMatchObject({ kind: 'forbidden', required_role: 'admin', role: 'viewer' });
    const keys = await api(server, '/api/keys', undefined, as(viewer.secret));
    expect(keys.status).toBe(403);
    expect(JSON.stringify(keys.json)).not.toContain(viewer.secret);

    const listed = await api(server, '/api/keys');
    expect(listed.status).toBe(200);
    expect(listed.json.api_tokens).toContainEqual(expect.objectContaining({ id: viewer.id, role: 'viewer' }));
    expect(JSON.stringify(listed.json)).not.toContain(viewer.secret);
    expect(JSON.stringify(listed.json)).not.toContain(KEY.secret);
    // The form's JSON variant signs a browser in with the viewer's role.
    const signIn = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: viewer.secret }) });
    expect(await signIn.json()).toMatchObject({ signed_in: true, role: 'viewer' });
    const deleted = await del(TOKEN);
    expect(deleted.status).toBe(200);
    expect((await api(server, '/api/indices')).json.indices.map((i: { name: string }) => i.name)).not.toContain(name);
  });

  it('ends the browser sessions of a token when it is revoked', async () => {
    const viewer = server.credentials.store.createApiToken({ role: 'viewer', description: 'revocation test' });
    const signIn = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: viewer.secret }) });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/=/);
    const withCookie = () => fetch(`${server.url}/api/session`, { headers: { Cookie: cookie } }).then(async (r) => r.status === 200 && ((await r.json()) as { authenticated: boolean }).authenticated);
    expect(await withCookie()).toBe(true);
    expect(server.credentials.store.revoke(viewer.id)).toBe('revoked');
    // The server sees the change on its next look at the credentials file (every 2 s at most).
    const deadline = Date.now() + 8000;
    while ((await withCookie()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await withCookie()).toBe(false);
    expect((await api(server, '/api/search', { query: '*' }, { Authorization: `Bearer ${viewer.secret}` })).status).toBe(401);
  });

  it('refuses a wrong secret with the SDK error a client expects', async () => {
    const cw = client(server, 'not-the-secret-0123456789');
    await expect(cw.send(new CreateLogGroupCommand({ logGroupName: 'x' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    cw.destroy();
  });

  it('keeps untrusted networks out, saying which address and why', async () => {
    const closed = await startServer(config({ trustedNetworks: ['10.0.0.0/8'] }), { logger });
    try {
      const r = await api(closed, '/healthz', undefined, {});
      expect(r.status).toBe(403);
      // The peer learns its own address, never the trusted blocks (they would map the network).
      expect(String(r.json)).toMatch(/Your address (::ffff:)?127\.0\.0\.1 is not in this server.{1,6}s trusted networks\. An operator can add it to trusted_networks/);
      expect(String(r.json)).not.toContain('10.0.0.0');
      const cw = client(closed);
      const denied = await cw.send(new CreateLogGroupCommand({ logGroupName: 'x' })).catch((e: Error) => e);
      expect(denied).toMatchObject({ name: 'AccessDeniedException', message: expect.stringMatching(/^Your address (::ffff:)?127\.0\.0\.1 is not/) });
      expect((denied as Error).message).not.toContain('10.0.0.0');
      cw.destroy();
    } finally {
      await closed.stop();
    }
  });

  it('generates credentials on first start, stored readable by the owner only', async () => {
    const generated = await startServer(config({ accessKeys: [], apiTokens: [] }), { logger });
    try {
      expect(generated.credentials.generated).toBe(true);
      expect(generated.credentials.accessKeys[0]!.id).toMatch(/^HIDS[0-9A-F]{16}$/);
      expect(statSync(generated.credentials.file!).mode & 0o777).toBe(0o600);
    } finally {
      await generated.stop();
    }
    const again = await startServer({ ...generated.config }, { logger });
    expect(again.credentials.generated).toBe(false);
    expect(again.credentials.accessKeys).toEqual(generated.credentials.accessKeys);
    await again.stop();
  });

  it('keeps serving after malformed and hostile requests', async () => {
    const bodies: Array<[string, RequestInit]> = [
      ['/', { method: 'POST', body: 'garbage' }],
      ['/', { method: 'POST', headers: { 'X-Amz-Target': 'Logs_20140328.PutLogEvents', 'Content-Type': 'application/x-amz-json-1.1' }, body: '{' }],
      ['/', { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: 'not gzip' }],
      ['/api/search', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"query": {"bool": {"must": [' }],
      ['/api/search', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: { nope: {} }, size: -1 }) }],
      ['/api/indices/..%2F..%2Fetc', { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } }],
    ];
    for (const [path, init] of bodies) {
      const r = await fetch(`${server.url}${path}`, init);
      expect(r.status, `${path} ${String(init.body).slice(0, 20)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      if (path === '/') {
        expect(r.headers.get('x-amzn-errortype')).toBeTruthy();
        expect(JSON.parse(await r.text()).__type).toBe(r.headers.get('x-amzn-errortype'));
      }
    }
    // A body over the raw ceiling (MAX_BODY_BYTES in limits.ts, 6,996,992 bytes) is answered (413,
    // InvalidParameterException) before it is read whole; a client still uploading may see the connection close instead.
    const huge = await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(7 * 1024 * 1024) }).then((r) => r.status, () => 'closed');
    expect([413, 'closed']).toContain(huge);
    expect((await api(server, '/healthz', undefined, {})).json).toEqual({ status: 'ok' });
  });
});
