/**
 * @module The web UI over 1,000,000 alerts: time from navigation until Discover (empty query, a
 * free-text phrase, a single word, each in the URL as a bookmark has it) and until the HIDS
 * dashboard show their data (30 days of simulated alerts, the store bench's data set), in Debian's
 * Chromium against a real server in this process. Medians of repeated loads with warm caches; the
 * first load of each page in a fresh browser context is reported apart.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../src/apps/server/server.js';
import { builtUiFiles } from '../src/apps/server/ui-files.js';
import { DEFAULTS } from '../src/config/server-config.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { cachedStoreCaughtUp, copyStoreFiles } from './dataset-cache.js';
import { median, type Row, type SuiteResult } from './harness.js';

const ALERTS = 1_000_000;
const RUNS = 7;
const GOAL_MS = 1000;
const TOKEN = 'ui-bench-token-0123456789abcdef0123';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** How the server's text index came to answer: for the output, and for the reader of the figures. */
interface TextIndexReadiness {
  sideFileCopied: boolean;
  waitedMs: number;
  ready: boolean;
}

/**
 * A server whose index holds the 1M alerts: a copy (never the original, which another bench may
 * have open) of the store bench's cached store, whose text index is brought up to date in the cache
 * first, copied with its side file. The server's text index is still waited for until it has caught
 * up (the store's textIndexCaughtUp), so that no free-text figure is a scan's.
 */
/**
 * HIDSMON_TEXT_COUNT_CACHE=false: the server walks the text index on every search (text_count_cache
 * false), so that every load, not only a new query's first, measures that walk.
 */
const WALKING = process.env['HIDSMON_TEXT_COUNT_CACHE'] === 'false';

async function serverWithAlerts(dir: string, log: (line: string) => void): Promise<{ server: RunningServer; source: string; textIndex: TextIndexReadiness }> {
  const data = join(dir, 'data');
  // Owner-only, as the server requires of a data directory it did not create.
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const cached = await cachedStoreCaughtUp(ALERTS, log);
  const { sideFileCopied } = copyStoreFiles(cached.path, join(data, 'index.duckdb'));
  const ui = builtUiFiles();
  if (!ui) throw new Error('The web UI is not built: run `npm run build` (npm run bench does).');
  const server = await startServer({ ...DEFAULTS, port: 0, dataDir: data, apiTokens: [TOKEN], accessKeys: [{ id: 'AKIAHIDSMONUIBENCH01', secret: 'ui-bench-secret-0123456789' }], retentionDays: 0, textCountCache: WALKING ? false : true }, { logger: pino({ level: 'silent' }), ui });
  if (!(server.index instanceof DuckDbStore)) throw new Error('The ui bench expects the embedded store.');
  const waitStarted = performance.now();
  const ready = await server.index.textIndexCaughtUp();
  const textIndex = { sideFileCopied, waitedMs: performance.now() - waitStarted, ready };
  if (!ready) throw new Error('The text index did not catch up (it failed): free-text figures would be a scan\'s.');
  return { server, source: cached.source, textIndex };
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

type PageName = 'discover' | 'dashboard';

/** A page as a bookmark opens it: the query, if any, in the URL's `q` as web/src/state.ts reads it. */
interface Target {
  label: string;
  page: PageName;
  query: string;
}

const TARGETS: readonly Target[] = [
  { label: 'discover', page: 'discover', query: '' },
  { label: 'dashboard', page: 'dashboard', query: '' },
  { label: 'discover "did not receive identification"', page: 'discover', query: '"did not receive identification"' },
  { label: 'discover identification', page: 'discover', query: 'identification' },
];

async function load(page: Page, url: string, which: PageName): Promise<Load> {
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

/** What the API answers for a target: the page must show this total and, on Discover, this newest hit first. */
interface Expected {
  total: number;
  firstId?: string;
}

/** Throws unless the page shows the target's own answer: the whole count, and on Discover its newest row first. */
async function checkShown(page: Page, target: Target, expected: Expected): Promise<void> {
  const shown = target.page === 'discover' ? await page.getAttribute('[data-testid="hit-count"]', 'data-total') : await page.getAttribute('[data-testid="metric-total"]', 'data-value');
  if (Number(shown) !== expected.total) throw new Error(`${target.label} shows ${shown} alerts, the API ${expected.total}.`);
  if (target.page !== 'discover') return;
  const firstRow = await page.getAttribute('[data-testid="doc-row"]', 'data-id', { timeout: 10_000 });
  if (firstRow !== expected.firstId) throw new Error(`${target.label} shows ${firstRow} first, the API ${expected.firstId}.`);
}

export async function runUiBench(log: (line: string) => void): Promise<SuiteResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash scripts/ensure-chromium.sh\`.`);
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-ui-'));
  const rows: Row[] = [];
  const goals: NonNullable<SuiteResult['goals']> = [];
  const { server, source, textIndex } = await serverWithAlerts(dir, log);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const loadAverages: string[] = [loadAverage()];
  let textIndexUse = '';
  try {
    // All the data (30 days that end on a fixed date in the past), as an absolute range.
    const newest = await api(server, { query: '', size: 1 });
    const lastMs = newest.hits[0].sort[0] as number;
    const range = { from: new Date(lastMs - 31 * 86_400_000).toISOString(), to: new Date(lastMs + 1000).toISOString() };
    const total = (await api(server, { query: '', ...range, size: 0 })).total as number;
    if (total !== ALERTS) throw new Error(`The range holds ${total} alerts, not ${ALERTS}.`);
    log(`ui bench: ${total.toLocaleString('en-US')} alerts in range (${source}); text index ${textIndex.sideFileCopied ? 'side file copied' : 'rebuilt'}, caught up after ${Math.round(textIndex.waitedMs)} ms`);
    const expected = new Map<Target, Expected>();
    for (const target of TARGETS) {
      const answer = await api(server, { query: target.query, ...range, size: 1 });
      expected.set(target, { total: answer.total as number, firstId: answer.hits[0]?.id as string | undefined });
    }
    const urlOf = (target: Target): string => `${server.url}/${target.page}?${new URLSearchParams({ ...(target.query ? { q: target.query } : {}), ...range }).toString()}`;
    const store = server.index as DuckDbStore;
    const answeredBefore = store.textIndexStatus();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Signing in, and the first load of each page in this fresh context (the server's caches for its query are cold too).
    await page.goto(server.newLoginUrl(), { waitUntil: 'commit' });
    await page.waitForSelector('.app', { timeout: 180_000 });
    for (const target of TARGETS) {
      const cold = await load(page, urlOf(target), target.page);
      await checkShown(page, target, expected.get(target)!);
      rows.push({ page: target.label, measure: 'first load in a fresh browser context: navigation → data shown', value: cold.readyMs, unit: 'ms' });
    }
    loadAverages.push(loadAverage());
    for (const target of TARGETS) {
      const runs: Load[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await load(page, urlOf(target), target.page));
        await checkShown(page, target, expected.get(target)!);
      }
      const ready = median(runs.map((r) => r.readyMs));
      const hits = expected.get(target)!.total.toLocaleString('en-US');
      rows.push({ page: target.label, measure: `navigation → data shown, median of ${RUNS} loads (min ${Math.min(...runs.map((r) => r.readyMs)).toFixed(0)}, max ${Math.max(...runs.map((r) => r.readyMs)).toFixed(0)}; ${hits} hits)`, value: ready, unit: 'ms' });
      rows.push({ page: target.label, measure: '  goto() → ready, seen from the test process', value: median(runs.map((r) => r.wallMs)), unit: 'ms' });
      for (const path of [...new Set(runs.flatMap((r) => Object.keys(r.apiMs)))].sort()) {
        rows.push({ page: target.label, measure: `  ${path} in the browser (median)`, value: median(runs.map((r) => r.apiMs[path] ?? 0)), unit: 'ms' });
      }
      const what = target.query ? `Discover with the free-text query ${target.query} in the URL shows its ${hits} hits and first rows` : `${target.page} shows its data`;
      goals.push({ goal: `${what} over 1M alerts in < ${GOAL_MS} ms`, met: ready < GOAL_MS, measured: `${ready.toFixed(0)} ms median from navigation (all ${total.toLocaleString('en-US')} alerts in range)` });
      loadAverages.push(loadAverage());
    }
    await context.close();
    const after = store.textIndexStatus();
    textIndexUse = `the text index answered ${after.answered - answeredBefore.answered} searches and narrowed ${after.prefiltered - answeredBefore.prefiltered} (prefilter) during the loads, its answer contradicted ${after.disagreed - answeredBefore.disagreed} times`;
    rows.push({ page: 'text index', measure: `caught up before the first load (side file ${textIndex.sideFileCopied ? 'copied with the store' : 'missing: rebuilt from DuckDB'}): time waited`, value: textIndex.waitedMs, unit: 'ms' });
    rows.push({ page: 'text index', measure: `during the loads: searches it answered (${after.prefiltered - answeredBefore.prefiltered} more it narrowed, ${after.disagreed - answeredBefore.disagreed} answers the rows contradicted)`, value: after.answered - answeredBefore.answered, unit: 'searches' });
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    suite: 'ui',
    description: `Discover (empty query, a phrase and a word given in the URL's q as a bookmark has them) and the HIDS dashboard over ${ALERTS.toLocaleString('en-US')} simulated alerts (30 days, all in the selected range), 1280×800, headless Chromium and the server in one process on this machine; navigation start to the page's data-ready mark, each load checked to show the API's total for its query and, on Discover, the API's newest hit first. Store: ${source}; text index ${textIndex.sideFileCopied ? 'side file copied' : 'rebuilt from DuckDB'} and caught up before the first load (${Math.round(textIndex.waitedMs)} ms waited). No write comes between the loads: the first load of each page walks the text index's matches (its counts and histogram tallies), the repeated loads' searches are answered from those kept between writes (text-index-counts.ts), as a reload or refresh of the same view is.${WALKING ? ' THIS RUN: text_count_cache false (HIDSMON_TEXT_COUNT_CACHE=false), so every load walks the text index\'s matches, none is answered from kept counts.' : ''} Load average (1 min) at start and after each page: ${loadAverages.join(', ')}; ${textIndexUse}.`,
    rows,
    goals,
  };
}

const loadAverage = (): string => loadavg()[0]!.toFixed(2);
