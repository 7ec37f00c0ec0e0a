/**
 * @module The web UI over 1,000,000 alerts: time from navigation until Discover, and until the HIDS
 * dashboard, show their data (30 days of simulated alerts, the store bench's data set), in Debian's
 * Chromium against a real server in this process. Medians of repeated loads with warm caches; the
 * first load of a fresh browser context is reported apart.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../src/apps/server/server.js';
import { builtUiFiles } from '../src/apps/server/ui-files.js';
import { DEFAULTS } from '../src/config/server-config.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { simulatedDocuments } from './store.bench.js';
import type { WriteResult } from '../src/query/search-api.js';

const ALERTS = 1_000_000;
const RUNS = 7;
const GOAL_MS = 1000;
const TOKEN = 'ui-bench-token-0123456789abcdef0123';
const CACHE = join(fileURLToPath(new URL('../../', import.meta.url)), '.cache', 'bench');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The store bench's cached 1M index (the newest generator version), if there is one. */
function cachedStore(): string | undefined {
  if (!existsSync(CACHE)) return undefined;
  const versions = readdirSync(CACHE)
    .map((name) => /^store-1000000-v(\d+)\.duckdb$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(CACHE, `${m[0]}.json`)))
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return versions[0] ? join(CACHE, versions[0][0]) : undefined;
}

/**
 * A server whose index holds the 1M alerts: a copy of the cached index (never the original, which
 * another bench may have open), else the same alerts written now.
 */
async function serverWithAlerts(dir: string, log: (line: string) => void): Promise<{ server: RunningServer; source: string }> {
  const data = join(dir, 'data');
  // Owner-only, as the server requires of a data directory it did not create.
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const cached = cachedStore();
  if (cached) {
    copyFileSync(cached, join(data, 'index.duckdb'));
    if (existsSync(`${cached}.wal`)) copyFileSync(`${cached}.wal`, join(data, 'index.duckdb.wal'));
  }
  const ui = builtUiFiles();
  if (!ui) throw new Error('The web UI is not built: run `npm run build` (npm run bench does).');
  const server = await startServer({ ...DEFAULTS, port: 0, dataDir: data, apiTokens: [TOKEN], accessKeys: [{ id: 'AKIAHIDSMONUIBENCH01', secret: 'ui-bench-secret-0123456789' }], retentionDays: 0 }, { logger: pino({ level: 'silent' }), ui });
  const count = await api(server, { query: '', size: 0 });
  if (count.total === ALERTS) return { server, source: `copy of ${cached}` };
  log(`ui bench: writing ${ALERTS.toLocaleString('en-US')} simulated alerts (no cached index)`);
  let pending: Promise<unknown> | undefined;
  for (const batch of simulatedDocuments(ALERTS)) {
    const written = server.index.write(batch).then(tookAll);
    if (pending) await pending;
    pending = written;
  }
  await pending;
  return { server, source: 'written now' };
}

async function api(server: RunningServer, body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

interface Load {
  /** Navigation start → the page's ready mark (data rendered), from the page's own clock. */
  readyMs: number;
  /** Wall time in this process from goto() to the ready attribute. */
  wallMs: number;
  /** Time of each API call, by path. */
  apiMs: Record<string, number>;
}

async function load(page: Page, url: string, which: 'discover' | 'dashboard'): Promise<Load> {
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector(`[data-testid="${which}"][data-ready="true"]`, { timeout: 180_000 });
  const wallMs = performance.now() - started;
  const timing = (await page.evaluate(`(() => {
    const mark = performance.getEntriesByName('hidsmon:${which}:ready', 'mark')[0];
    const api = {};
    for (const r of performance.getEntriesByType('resource')) {
      const path = new URL(r.name).pathname;
      if (path.startsWith('/api/')) api[path] = Math.max(api[path] || 0, r.duration);
    }
    return { readyMs: mark ? mark.startTime : -1, api };
  })()`)) as { readyMs: number; api: Record<string, number> };
  return { readyMs: timing.readyMs, wallMs, apiMs: timing.api };
}

export async function runUiBench(log: (line: string) => void): Promise<SuiteResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash scripts/ensure-chromium.sh\`.`);
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-ui-'));
  const rows: Row[] = [];
  const goals: NonNullable<SuiteResult['goals']> = [];
  const { server, source } = await serverWithAlerts(dir, log);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // All the data (30 days that end on a fixed date in the past), as an absolute range.
    const newest = await api(server, { query: '', size: 1 });
    const lastMs = newest.hits[0].sort[0] as number;
    const range = { from: new Date(lastMs - 31 * 86_400_000).toISOString(), to: new Date(lastMs + 1000).toISOString() };
    const total = (await api(server, { query: '', ...range, size: 0 })).total as number;
    if (total !== ALERTS) throw new Error(`The range holds ${total} alerts, not ${ALERTS}.`);
    log(`ui bench: ${total.toLocaleString('en-US')} alerts in range (${source})`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const search = new URLSearchParams(range).toString();
    const urls = { discover: `${server.url}/discover?${search}`, dashboard: `${server.url}/dashboard?${search}` };
    // Signing in, and the first (cold) load of each page in this fresh context.
    await page.goto(server.newLoginUrl(), { waitUntil: 'commit' });
    await page.waitForSelector('.app', { timeout: 180_000 });
    for (const which of ['discover', 'dashboard'] as const) {
      const cold = await load(page, urls[which], which);
      // The page shows the whole count, not a sample.
      const shown = which === 'discover' ? await page.getAttribute('[data-testid="hit-count"]', 'data-total') : await page.getAttribute('[data-testid="metric-total"]', 'data-value');
      if (Number(shown) !== total) throw new Error(`${which} shows ${shown} alerts, the API ${total}.`);
      rows.push({ page: which, measure: 'first load in a fresh browser context: navigation → data shown', value: cold.readyMs, unit: 'ms' });
    }
    for (const which of ['discover', 'dashboard'] as const) {
      const runs: Load[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await load(page, urls[which], which));
      const ready = median(runs.map((r) => r.readyMs));
      rows.push({ page: which, measure: `navigation → data shown, median of ${RUNS} loads (min ${Math.min(...runs.map((r) => r.readyMs)).toFixed(0)}, max ${Math.max(...runs.map((r) => r.readyMs)).toFixed(0)})`, value: ready, unit: 'ms' });
      rows.push({ page: which, measure: '  goto() → ready, seen from the test process', value: median(runs.map((r) => r.wallMs)), unit: 'ms' });
      for (const path of [...new Set(runs.flatMap((r) => Object.keys(r.apiMs)))].sort()) {
        rows.push({ page: which, measure: `  ${path} in the browser (median)`, value: median(runs.map((r) => r.apiMs[path] ?? 0)), unit: 'ms' });
      }
      goals.push({ goal: `${which} shows its data over 1M alerts in < ${GOAL_MS} ms`, met: ready < GOAL_MS, measured: `${ready.toFixed(0)} ms median from navigation (all ${total.toLocaleString('en-US')} alerts in range)` });
    }
    await context.close();
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    suite: 'ui',
    description: `Discover and the HIDS dashboard over ${ALERTS.toLocaleString('en-US')} simulated alerts (30 days, all in the selected range), 1280×800, headless Chromium and the server in one process on this machine; navigation start to the page's data-ready mark.`,
    rows,
    goals,
  };
}

/** A bench counts only batches the store took: a retryable answer ends it with the store's error. */
function tookAll(result: WriteResult): void {
  if (result.kind !== 'ok') throw result.error;
}
