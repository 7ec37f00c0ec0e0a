/**
 * @module The fleet view with 1,000 hosts: time of GET /api/fleet (two terms aggregations with max
 * sub-aggregations, alerts and heartbeats), and from navigation until the page shows its data in
 * Debian's Chromium, against a real server (embedded index) in this process. The data: alerts over
 * the last 24 hours spread over the hosts, and a heartbeat a minute from each host for the last two
 * hours, a tenth of the hosts stopped ten minutes ago (silent). Medians of repeated loads.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startServer } from '../src/apps/server/server.js';
import { builtUiFiles } from '../src/apps/server/ui-files.js';
import { DEFAULTS } from '../src/config/server-config.js';
import type { IndexedDocument } from '../src/core/document.js';
import { cloudWatchEventId } from '../src/core/ids.js';
import { documentFromLogEvent } from '../src/transforms/to-document.js';
import { median, type Row, type SuiteResult } from './harness.js';

const HOSTS = 1000;
const ALERTS = Number(process.env['HIDSMON_BENCH_FLEET_ALERTS'] ?? 300_000);
const HEARTBEAT_HOURS = 2;
const STOPPED_SHARE = 0.1;
const RUNS = 7;
const GOAL_MS = 1000;
const TOKEN = 'fleet-bench-token-0123456789abcdef0123';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BATCH = 10_000;
/** web/src/fleet.tsx FLEET_PAGE_ROWS (not imported: the bench takes no UI code). */
const FLEET_PAGE_ROWS = 200;

const hostName = (h: number): string => `i-0bench${String(h).padStart(9, '0')}`;

/** Alerts and heartbeats, in batches, deterministic (no clock but `nowMs`). */
function* fleetDocuments(nowMs: number): Generator<IndexedDocument[]> {
  let seq = 0;
  let batch: IndexedDocument[] = [];
  const push = function* (stream: string, timestampMs: number, message: string): Generator<IndexedDocument[]> {
    seq++;
    batch.push(documentFromLogEvent({ eventId: cloudWatchEventId(timestampMs, seq), timestampMs, message, owner: DEFAULTS.owner, logGroup: 'hids-alerts', logStream: stream }));
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  };
  for (let i = 0; i < ALERTS; i++) {
    const host = (i * 7919) % HOSTS;
    const timestampMs = nowMs - 60_000 - Math.floor(((i * 104_729) % 86_000) * 1000);
    const level = 3 + ((i * 31) % 11);
    yield* push(hostName(host), timestampMs, JSON.stringify({ rule: { level, comment: 'SSH authentication failed', sidid: 5716, group: 'syslog,sshd,' }, id: `${Math.floor(timestampMs / 1000)}.${i}`, srcip: `10.0.${i % 256}.${(i >> 8) % 256}`, full_log: `sshd[${i}]: Failed password for root` }));
  }
  for (let h = 0; h < HOSTS; h++) {
    const stopped = h < HOSTS * STOPPED_SHARE;
    for (let m = 0; m < HEARTBEAT_HOURS * 60; m++) {
      const timestampMs = nowMs - m * 60_000 - (h % 60) * 1000;
      if (stopped && timestampMs > nowMs - 600_000) continue;
      yield* push(hostName(h), timestampMs, JSON.stringify({ hidsmon: { heartbeat: true, version: 'bench', host: hostName(h) } }));
    }
  }
  if (batch.length > 0) yield batch;
}

async function fleetApi(url: string): Promise<{ ms: number; hosts: number; silent: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/fleet?from=now-24h&to=now`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const body = (await response.json()) as { hosts: Array<{ status: string }> };
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`/api/fleet answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, hosts: body.hosts.length, silent: body.hosts.filter((h) => h.status === 'silent').length };
}

async function loadPage(page: Page, url: string): Promise<{ readyMs: number; apiMs: number; apiEndMs: number; scriptsMs: number }> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('[data-testid="fleet-page"][data-ready="true"]', { timeout: 120_000 });
  // The first rows (silent hosts first) and the count of all; the rest come with "Show more".
  const rows = await page.locator('[data-testid="fleet-host"]').count();
  if (rows !== Math.min(HOSTS, FLEET_PAGE_ROWS)) throw new Error(`The fleet view shows ${rows} hosts, not ${Math.min(HOSTS, FLEET_PAGE_ROWS)}.`);
  const counted = Number(await page.getByTestId('fleet-host-count').textContent());
  if (counted !== HOSTS) throw new Error(`The fleet view counts ${counted} hosts, not ${HOSTS}.`);
  const silentShown = await page.locator('[data-testid="fleet-host"][data-status="silent"]').count();
  if (silentShown !== HOSTS * STOPPED_SHARE) throw new Error(`The fleet view's first rows hold ${silentShown} silent hosts, not all ${HOSTS * STOPPED_SHARE}.`);
  return (await page.evaluate(`(() => {
    const mark = performance.getEntriesByName('hidsmon:fleet:ready', 'mark')[0];
    const fleet = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname === '/api/fleet');
    const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script').map((r) => r.responseEnd);
    return { readyMs: mark ? mark.startTime : -1, apiMs: fleet.length ? Math.max(...fleet.map((r) => r.duration)) : -1, apiEndMs: fleet.length ? Math.max(...fleet.map((r) => r.responseEnd)) : -1, scriptsMs: scripts.length ? Math.max(...scripts) : -1 };
  })()`)) as { readyMs: number; apiMs: number; apiEndMs: number; scriptsMs: number };
}

export async function runFleetBench(log: (line: string) => void): Promise<SuiteResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash scripts/ensure-chromium.sh\`.`);
  const ui = builtUiFiles();
  if (!ui) throw new Error('The web UI is not built: run `npm run build` (npm run bench does).');
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-fleet-'));
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const server = await startServer({ ...DEFAULTS, port: 0, dataDir: data, apiTokens: [TOKEN], accessKeys: [{ id: 'AKIAHIDSMONFLEETB001', secret: 'fleet-bench-secret-0123456789' }], retentionDays: 0 }, { logger: pino({ level: 'silent' }), ui });
  const rows: Row[] = [];
  const goals: NonNullable<SuiteResult['goals']> = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const nowMs = Date.now();
    let documents = 0;
    const writing = performance.now();
    for (const batch of fleetDocuments(nowMs)) {
      const written = await server.index.write(batch);
      if (written.kind !== 'ok') throw written.error;
      documents += batch.length;
    }
    log(`fleet bench: ${documents.toLocaleString('en-US')} documents (${ALERTS.toLocaleString('en-US')} alerts, the rest heartbeats) for ${HOSTS} hosts written in ${((performance.now() - writing) / 1000).toFixed(1)} s`);

    const first = await fleetApi(server.url);
    if (first.hosts !== HOSTS) throw new Error(`/api/fleet lists ${first.hosts} hosts, not ${HOSTS}.`);
    if (first.silent !== HOSTS * STOPPED_SHARE) throw new Error(`/api/fleet finds ${first.silent} silent hosts, not ${HOSTS * STOPPED_SHARE}.`);
    const apiRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) apiRuns.push((await fleetApi(server.url)).ms);
    const apiMedian = median(apiRuns);
    rows.push({ measure: `GET /api/fleet, ${HOSTS} hosts, median of ${RUNS} (first ${first.ms.toFixed(0)}, min ${Math.min(...apiRuns).toFixed(0)}, max ${Math.max(...apiRuns).toFixed(0)})`, value: apiMedian, unit: 'ms' });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.newLoginUrl(), { waitUntil: 'commit' });
    await page.waitForSelector('.app', { timeout: 120_000 });
    const url = `${server.url}/fleet?from=now-24h&to=now`;
    const cold = await loadPage(page, url);
    if (process.env['HIDSMON_BENCH_FLEET_PROFILE']) {
      // Where one load's main-thread time goes (self time by function), to find what to make faster.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
      await loadPage(page, url);
      const { profile } = await cdp.send('Profiler.stop');
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      (profile.samples ?? []).forEach((id, i) => {
        const frame = nodes.get(id)?.callFrame;
        const name = frame ? `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber}:${frame.columnNumber}` : '?';
        self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
      });
      for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) log(`fleet bench profile: ${ms.toFixed(1)} ms ${name}`);
    }
    rows.push({ measure: 'page: first load in a fresh browser context, navigation → data shown', value: cold.readyMs, unit: 'ms' });
    const loads: Array<{ readyMs: number; apiMs: number; apiEndMs: number; scriptsMs: number }> = [];
    for (let i = 0; i < RUNS; i++) loads.push(await loadPage(page, url));
    const ready = median(loads.map((l) => l.readyMs));
    rows.push({ measure: `page: navigation → the first ${FLEET_PAGE_ROWS} of ${HOSTS} hosts shown (all silent ones among them), median of ${RUNS} (min ${Math.min(...loads.map((l) => l.readyMs)).toFixed(0)}, max ${Math.max(...loads.map((l) => l.readyMs)).toFixed(0)})`, value: ready, unit: 'ms' });
    rows.push({ measure: '  /api/fleet in the browser (median)', value: median(loads.map((l) => l.apiMs)), unit: 'ms' });
    rows.push({ measure: '  navigation → the bundle loaded (median)', value: median(loads.map((l) => l.scriptsMs)), unit: 'ms' });
    rows.push({ measure: '  navigation → /api/fleet answered (median)', value: median(loads.map((l) => l.apiEndMs)), unit: 'ms' });
    rows.push({ measure: `  /api/fleet answered → rows rendered (median)`, value: median(loads.map((l) => l.readyMs - l.apiEndMs)), unit: 'ms' });
    // All rows at once ("Show all"), for comparison: the table's layout is what costs.
    await page.getByTestId('fleet-all').click();
    const allStarted = performance.now();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="fleet-host"]').length === ${HOSTS}`, undefined, { timeout: 60_000 });
    rows.push({ measure: `  "Show all": the other ${HOSTS - FLEET_PAGE_ROWS} rows rendered (one run)`, value: performance.now() - allStarted, unit: 'ms' });
    goals.push({ goal: `GET /api/fleet with ${HOSTS} hosts in < ${GOAL_MS} ms`, met: apiMedian < GOAL_MS, measured: `${apiMedian.toFixed(0)} ms median` });
    goals.push({ goal: `the fleet view shows its data for ${HOSTS} hosts in < ${GOAL_MS} ms`, met: ready < GOAL_MS, measured: `${ready.toFixed(0)} ms median from navigation to the count of ${HOSTS} hosts and the first ${FLEET_PAGE_ROWS} rows (silent first)` });
    await context.close();
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    suite: 'fleet',
    description: `The fleet view with ${HOSTS} hosts (${ALERTS.toLocaleString('en-US')} alerts over 24 h, a heartbeat a minute per host for ${HEARTBEAT_HOURS} h, ${HOSTS * STOPPED_SHARE} hosts silent), embedded index; the API call from this process and the page in headless Chromium at 1280×800, navigation start to its data-ready mark.`,
    rows,
    goals,
  };
}
