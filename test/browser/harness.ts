/**
 * @module What the browser tests share: a real hidsmon server in this process (temp data dir,
 * known keys and token, the built UI; the embedded index, or the run's real OpenSearch node under
 * an index prefix of the fixture's own), simulated alerts loaded through the real pipeline,
 * Debian's Chromium driven by playwright-core, sign-in through the one-time login link, and
 * helpers that read the numbers the UI shows.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startServer, type RunningServer, type StartOptions } from '../../src/apps/server/server.js';
import { builtUiFiles } from '../../src/apps/server/ui-files.js';
import { DEFAULTS, type Backend, type ServerConfig } from '../../src/config/server-config.js';
import { indexTemplateName } from '../../src/sinks/opensearch/index-template.js';
import { sharedOpenSearch, testIndexPrefix } from '../support/opensearch.js';
import { cloudWatchEventId } from '../../src/core/ids.js';
import type { IndexedDocument } from '../../src/core/document.js';
import type { QueryRole } from '../../src/core/principal.js';
import { FleetSimulator, type SimulatedAlert } from '../../src/simulate/fleet-simulator.js';
import { renderAlert } from '../../src/simulate/render.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const KEY = { id: 'AKIAHIDSMONUITEST001', secret: 'ui-test-secret-0123456789abcdef' };
export const TOKEN = 'ui-test-api-token-0123456789abcdef';
export const LOG_GROUP = 'hids-alerts';
export const BLOG_QUERY = 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10';
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

export interface Fixture {
  server: RunningServer;
  browser: Browser;
  dir: string;
  /** Uncaught script errors in any page the fixture opened (the suites expect none). */
  pageErrors: string[];
  /** A fresh browser context signed in through a one-time login link (the server's own: admin, unless told `viewer`). */
  signedIn(viewport?: { width: number; height: number }, role?: QueryRole): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** Fails with what to do when Chromium is missing: these tests never skip silently. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}. Run \`bash scripts/ensure-chromium.sh\` (as root: apt-get install -y chromium); \`npm test\` runs it first.`);
  }
}

/**
 * A server on a free port with a temporary data directory and the built UI; `options` go to
 * startServer (a faulty sink); `config` overrides the server's (silent_host_seconds). `backend: 'opensearch'` serves the run's OpenSearch node
 * (sharedOpenSearch) under a prefix of its own, whose indices and template close() deletes.
 */
export async function startFixture(name: string, options: Partial<StartOptions> = {}, backend: Backend = 'embedded', config: Partial<ServerConfig> = {}): Promise<Fixture> {
  requireChromium();
  const ui = builtUiFiles();
  if (!ui) throw new Error('The web UI is not built (dist/web/index.html is missing). Run `npm run build` first; `npm test` does.');
  const openSearch = backend === 'opensearch' ? { url: await sharedOpenSearch(), indexPrefix: testIndexPrefix() } : undefined;
  const dir = mkdtempSync(join(tmpdir(), `hidsmon-ui-${name}-`));
  const server = await startServer(
    { ...DEFAULTS, port: 0, dataDir: join(dir, 'data'), accessKeys: [KEY], apiTokens: [TOKEN], retentionDays: 0, backend, ...(openSearch ? { openSearch } : {}), ...config },
    { logger: pino({ level: 'silent' }), ui, ...options },
  );
  const dropOpenSearchData = async (): Promise<void> => {
    const client = server.openSearch?.sink.client;
    if (!client || !openSearch) return;
    await client.indices.delete({ index: `${openSearch.indexPrefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: indexTemplateName(openSearch.indexPrefix) }).catch(() => undefined);
  };
  let browser: Browser;
  try {
    // launch() gives every run a fresh, temporary user-data directory.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (e) {
    await dropOpenSearchData();
    await server.stop();
    throw e;
  }
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  return {
    server,
    browser,
    dir,
    pageErrors,
    async signedIn(viewport = { width: 1280, height: 800 }, role: QueryRole = 'admin') {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      context.on('page', (p) => watchPage(p, pageErrors));
      const page = await context.newPage();
      await page.goto(server.newLoginUrl(role));
      await page.waitForSelector('.app', { timeout: 30_000 });
      return { context, page };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await dropOpenSearchData();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Script errors in the page show in the test output, and are kept in `errors` for the test to check. (Failed requests are
 * left out: the tests make some on purpose, such as a syntax error's 400 or a signed-out 401.)
 */
export function watchPage(page: Page, errors?: string[]): void {
  page.on('pageerror', (e) => {
    errors?.push(e.message);
    process.stderr.write(`[browser] page error: ${e.message}\n`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) process.stderr.write(`[browser] console error: ${m.text()}\n`);
  });
}

/**
 * Simulated alerts over `spanMs` before `endMs` (2 hosts: the blog's test host first), deterministic
 * by seed. The simulator's arrivals are random, so the last alert can fall minutes after `endMs`: the
 * default end leaves half an hour, so that no alert is in the future when the tests count.
 */
export function simulateAlerts(count: number, options: { seed?: number; endMs?: number; spanMs?: number } = {}): SimulatedAlert[] {
  const endMs = options.endMs ?? Date.now() - 30 * 60_000;
  const spanMs = options.spanMs ?? 2 * 3_600_000;
  const sim = new FleetSimulator({ hosts: 2, seed: options.seed ?? 77, ratePerSec: count / (spanMs / 1000), startMs: endMs - spanMs, scenarios: ['ssh-brute-force'], attackShare: 0.15 });
  return Array.from({ length: count }, () => sim.next());
}

/** Bulk load: the forwarder's own transform, written straight to the index. */
export async function writeAlerts(server: RunningServer, alerts: readonly SimulatedAlert[]): Promise<void> {
  const documents: IndexedDocument[] = alerts.map((a, i) =>
    documentFromLogEvent({ eventId: cloudWatchEventId(a.timeMs, i), timestampMs: a.timeMs, message: renderAlert(a, 'ossec-json'), owner: server.config.owner, logGroup: LOG_GROUP, logStream: a.host.instanceId }),
  );
  for (let i = 0; i < documents.length; i += 5000) {
    const written = await server.index.write(documents.slice(i, i + 5000));
    if (written.kind !== 'ok' || written.written + written.duplicates !== Math.min(5000, documents.length - i)) throw new Error(`The index did not take the alerts: ${JSON.stringify(written).slice(0, 300)}`);
  }
  await searchable(server);
}

/** On OpenSearch, what was written is searched once its indices refresh (every second): done now, so that counts are exact at once. */
export async function searchable(server: RunningServer): Promise<void> {
  const parts = server.openSearch;
  if (!parts || server.config.backend !== 'opensearch') return;
  await parts.sink.client.indices.refresh({ index: `${server.config.openSearch?.indexPrefix ?? 'cwl-'}*`, allow_no_indices: true, ignore_unavailable: true });
}

/** Ships events with the AWS SDK's PutLogEvents to the server, and waits until they are indexed. */
export async function shipEvents(server: RunningServer, logStream: string, events: InputLogEvent[]): Promise<void> {
  const client = new CloudWatchLogsClient({ endpoint: server.url, region: DEFAULTS.region, credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
  try {
    await client.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    await client.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: logStream })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    await client.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: logStream, logEvents: [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0)) }));
  } finally {
    client.destroy();
  }
  if (!(await server.forwarder.drained(30_000))) throw new Error('The forwarder did not index the shipped events within 30 s.');
  await searchable(server);
}

/** POST /api/search with the bearer token: what the API says, to compare the UI with. */
export async function apiSearch(server: RunningServer, body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

export async function apiPost(server: RunningServer, path: string, body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

/** Waits until the page (`discover` or `dashboard`) shows data for its current state. */
export async function waitReady(page: Page, which: 'discover' | 'dashboard' = 'discover'): Promise<void> {
  await page.waitForSelector(`[data-testid="${which}"][data-ready="true"]`, { timeout: 60_000 });
}

/** The hit count Discover shows. */
export async function shownTotal(page: Page): Promise<number> {
  await waitReady(page, 'discover');
  return Number(await page.getAttribute('[data-testid="hit-count"]', 'data-total'));
}

/** Rows of a bar list (or the level legend) as [key, count]. */
export async function shownBars(page: Page, selector: string): Promise<Array<[string, number]>> {
  const rows = page.locator(`${selector} [data-key][data-count]`);
  const out: Array<[string, number]> = [];
  for (const row of await rows.all()) out.push([(await row.getAttribute('data-key')) as string, Number(await row.getAttribute('data-count'))]);
  return out;
}

/** The view's URL parameters. */
export function urlParams(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * axe-core's serious and critical violations on the page as it is now, described for the failure
 * message. axe is injected as a script, so the page's context must bypass its CSP (script-src 'self').
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
