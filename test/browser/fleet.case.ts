/**
 * The fleet view in Chromium against a real server: a real hidsmon agent (startAgent, as `hidsmon
 * agent` runs it) beating every second turns silent in the view once it is stopped, within the
 * configured silent_host_seconds (plus the page's refresh); the order and values match
 * /api/fleet; the ingest health shows a dead letter with its reason, which an admin replays
 * (audited) once its cause is gone, and a viewer cannot; screenshots at 1280×800 and 1920×1080.
 * Run on the embedded index (fleet.test.ts, with the screenshots) and on the run's OpenSearch node
 * (fleet.opensearch.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../src/agent/config.js';
import type { DocumentSink } from '../../src/query/search-api.js';
import { writeSummary } from '../../src/query/search-api.js';
import { KEY, LOG_GROUP, TOKEN, screenshot, searchable, shipEvents, simulateAlerts, startFixture, writeAlerts, type Fixture } from './harness.js';

const SILENT_SECONDS = 3;
/** The page asks again every 5 s (fleet.tsx DEFAULT_REFRESH_MS). */
const PAGE_REFRESH_MS = 5_000;
const AGENT_STREAM = 'i-0f1ee7a6e7000001';
const POISON = 'POISON-fleet-dead-letter';

let fx: Fixture;
let agent: RunningAgent | undefined;
/** The sink refuses the poison event until the "mapping" is fixed. */
let fixed = false;

function poisonSink(inner: DocumentSink): DocumentSink {
  return {
    async write(documents) {
      if (fixed || !documents.some((d) => String(d.document['@message']).includes(POISON))) return inner.write(documents);
      const keep = documents.filter((d) => !String(d.document['@message']).includes(POISON));
      const written = keep.length > 0 ? await inner.write(keep) : writeSummary([]);
      if (written.kind !== 'ok') return written;
      let k = 0;
      return writeSummary(documents.map((d) => (String(d.document['@message']).includes(POISON) ? { kind: 'rejected', reason: 'mapper_parsing_exception: failed to parse field [srcip] of type [ip]' } : (written.outcomes[k++] as (typeof written.outcomes)[number]))));
    },
  };
}

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${fx.server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } });
  return { status: response.status, body: await response.json() };
}

/** Registers the suite against a server on `backend` (one server for the whole file). */
export function fleetSuite(backend: Backend): void {
beforeAll(async () => {
  fixed = false;
  fx = await startFixture(`fleet-${backend}`, { wrapSink: poisonSink }, backend, { silentHostSeconds: SILENT_SECONDS });
  // Two simulated hosts (no agent: no heartbeats) with alerts in the last hours.
  await writeAlerts(fx.server, simulateAlerts(300, { endMs: Date.now() - 60_000, spanMs: 3_600_000 }));
  // One event a sink refuses: a dead letter with its reason.
  await shipEvents(fx.server, 'i-0deadbeef0000001', [{ timestamp: Date.now() - 5_000, message: JSON.stringify({ rule: { level: 5, comment: POISON, sidid: 1002 }, full_log: POISON }) }]);
  const dir = join(fx.dir, 'agent');
  mkdirSync(join(dir, 'ossec'), { recursive: true });
  const alerts = join(dir, 'ossec', 'alerts.json');
  const now = Date.now();
  writeFileSync(alerts, [0, 1, 2].map((n) => JSON.stringify({ rule: { level: 10 + n, comment: 'fleet agent alert', sidid: 5712, group: 'syslog,sshd,' }, id: `${Math.floor(now / 1000) - 60 + n}.${n}`, TimeStamp: now - 60_000 + n * 1000, location: '/var/log/secure', srcip: '10.10.10.10', full_log: `fleet alert ${n}` })).join('\n') + '\n');
  const config: AgentConfig = {
    ...AGENT_DEFAULTS,
    inputs: [{ path: alerts, format: 'auto' }],
    logGroup: LOG_GROUP,
    logStream: AGENT_STREAM,
    endpoint: { kind: 'url', url: fx.server.url, region: 'us-east-1' },
    credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret },
    stateDir: join(dir, 'state'),
    startPosition: 'start',
    bufferDurationMs: 100,
    heartbeatIntervalSeconds: 1,
    drainTimeoutMs: 5_000,
  };
  agent = await startAgent(config, { log: pino({ level: 'silent' }) });
}, 180_000);

afterAll(async () => {
  await agent?.stop(2_000).catch(() => undefined);
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
}, 60_000);

describe(`the fleet view (${backend} backend)`, () => {
  it('shows every host with the API’s values, silent first; a stopped agent turns silent within silent_host_seconds', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn({ width: 1280, height: 800 });
    await page.getByTestId('nav-fleet').click();
    expect(new URL(page.url()).pathname).toBe('/fleet');
    const agentRow = page.locator(`[data-testid="fleet-host"][data-host="${AGENT_STREAM}"]`);
    await agentRow.and(page.locator('[data-status="reporting"]')).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('fleet-threshold').textContent()).toContain('3 s');

    // The table is /api/fleet's answer, in its order.
    const fromApi = (await api('/api/fleet?from=now-24h&to=now')).body as { hosts: Array<{ log_stream: string; status: string; alerts: number; max_level: number | null }>; silent_host_seconds: number };
    expect(fromApi.silent_host_seconds).toBe(SILENT_SECONDS);
    const agentHost = fromApi.hosts.find((h) => h.log_stream === AGENT_STREAM);
    expect(agentHost).toMatchObject({ status: 'reporting', alerts: 3, max_level: 12 });
    const rows = page.getByTestId('fleet-host');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(fromApi.hosts.length);
    const shown = await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-host'), e.getAttribute('data-status')]));
    expect(shown.map(([host]) => host).sort()).toEqual(fromApi.hosts.map((h) => h.log_stream).sort());
    expect(fromApi.hosts.filter((h) => h.status === 'no_heartbeat').length).toBeGreaterThanOrEqual(2); // the simulated hosts have no agent
    // Screenshots show the UI, the same on either backend: taken on the embedded one.
    if (backend === 'embedded') {
      await screenshot(page, 'fleet-1280x800');
      await page.setViewportSize({ width: 1920, height: 1080 });
      await screenshot(page, 'fleet-1920x1080');
      await page.setViewportSize({ width: 1280, height: 800 });
    }

    // Stop the agent: its last heartbeat ages past the threshold and the page shows it silent, first.
    const stoppedAt = Date.now();
    await agent?.stop(2_000);
    agent = undefined;
    await agentRow.and(page.locator('[data-status="silent"]')).waitFor({ timeout: SILENT_SECONDS * 1000 + PAGE_REFRESH_MS + 20_000 });
    const tookMs = Date.now() - stoppedAt;
    // Silent after the threshold, not before it; shown within one refresh after (generous on a loaded 2-core machine).
    expect(tookMs).toBeGreaterThanOrEqual(SILENT_SECONDS * 1000 - 1500);
    expect(tookMs).toBeLessThan(SILENT_SECONDS * 1000 + PAGE_REFRESH_MS + 10_000);
    expect(await rows.first().getAttribute('data-host')).toBe(AGENT_STREAM);
    expect(await page.getByTestId('fleet-silent-count').textContent()).toBe('1');
    expect(await agentRow.getAttribute('class')).toContain('status-silent');
    if (backend === 'embedded') await screenshot(page, 'fleet-silent-1280x800');
  });

  it('shows the dead letter with its reason; an admin replays it once the cause is fixed (audited); a viewer cannot', { timeout: 120_000 }, async () => {
    const viewer = await fx.signedIn({ width: 1280, height: 800 }, 'viewer');
    await viewer.page.goto(`${fx.server.url}/fleet`);
    await viewer.page.waitForSelector('[data-testid="fleet-page"][data-ready="true"]');
    await viewer.page.getByTestId('fleet-dead-letter-count').filter({ hasText: '1' }).waitFor();
    expect(await viewer.page.getByTestId('replay-all').count()).toBe(0);
    const refused = await viewer.page.evaluate(async () => (await fetch('/api/dead-letters/replay', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    expect(refused).toBe(403);

    const { page } = await fx.signedIn({ width: 1280, height: 800 });
    await page.goto(`${fx.server.url}/fleet`);
    await page.getByTestId('dead-letter').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dead-letter').first().textContent()).toContain('mapper_parsing_exception');
    expect(await page.getByTestId('fleet-ingest').textContent()).toContain('arn:hidsmon');

    fixed = true;
    await page.getByTestId('replay-all').click();
    expect(await page.getByTestId('replay-result').textContent()).toContain('1 replayed');
    await page.getByTestId('fleet-dead-letter-count').filter({ hasText: /^0$/ }).waitFor({ timeout: 15_000 });
    await searchable(fx.server);
    const found = await api('/api/search', { method: 'POST', body: JSON.stringify({ query: `"${POISON}"`, from: 'now-1h', size: 1 }) });
    expect(found.body.total).toBe(1);
    await fx.server.audit.flushed();
    const audit = await api('/api/audit?action=deadLetters:Replay');
    expect(JSON.stringify(audit.body)).toContain('1 replayed');
  });
});
}
