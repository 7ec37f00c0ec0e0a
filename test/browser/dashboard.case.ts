/**
 * The HIDS Alerts dashboard in Chromium against a real server: clicking a bar, a slice or a row
 * narrows every panel to exactly what the API gives for the same filters; auto-refresh shows
 * alerts shipped through PutLogEvents without reloading the page; screenshots.
 *
 * The cases, for dashboard.test.ts (embedded backend) and dashboard.opensearch.test.ts (OpenSearch).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import { renderAlert } from '../../src/simulate/render.js';
import { apiSearch, screenshot, shipEvents, shownBars, shownTotal, simulateAlerts, startFixture, urlParams, waitReady, writeAlerts, type Fixture } from './harness.js';

const POLL = { timeout: 30_000, interval: 100 };
const ALERTS = simulateAlerts(5000, { seed: 2024 });
let fx: Fixture;
let page: Page;

/** The panels' aggregations, as the dashboard asks for them. */
const AGGREGATIONS = {
  over_time: { type: 'date_histogram', interval_ms: 'auto' },
  types: { type: 'terms', field: 'rule.comment', size: 20 },
  levels: { type: 'terms', field: 'rule.level', size: 16 },
  rule_ids: { type: 'terms', field: 'rule.sidid', size: 10 },
  source_ips: { type: 'terms', field: 'srcip', size: 10 },
  hosts: { type: 'cardinality', field: '@log_stream' },
};

interface Shown {
  total: number;
  severe: number;
  hosts: number;
  histogramTotal: number;
  types: Array<[string, number]>;
  levels: Array<[string, number]>;
  ruleIds: Array<[string, number]>;
  sourceIps: Array<[string, number]>;
}

async function shownPanels(p: Page): Promise<Shown> {
  await waitReady(p, 'dashboard');
  const metric = async (id: string): Promise<number> => Number(await p.getAttribute(`[data-testid="${id}"]`, 'data-value'));
  return {
    total: await metric('metric-total'),
    severe: await metric('metric-severe'),
    hosts: await metric('metric-hosts'),
    histogramTotal: Number(await p.getAttribute('[data-testid="dashboard-histogram"]', 'data-total')),
    types: await shownBars(p, '[data-testid="top-types"]'),
    levels: await shownBars(p, '.level-legend'),
    ruleIds: await shownBars(p, '[data-testid="top-rule-ids"]'),
    sourceIps: await shownBars(p, '[data-testid="top-source-ips"]'),
  };
}

/** What every panel must show for these filters, from the API. */
async function expectedPanels(filters: unknown[], from = 'now-24h', to = 'now'): Promise<Shown> {
  const r = await apiSearch(fx.server, { query: '', filters, from, to, size: 0, aggregations: AGGREGATIONS });
  const pairs = (name: string): Array<[string, number]> => r.aggregations[name].buckets.map((b: { key: string | number; count: number }) => [String(b.key), b.count]);
  const levels = pairs('levels').sort((a, b) => Number(b[0]) - Number(a[0]));
  return {
    total: r.total,
    severe: levels.filter(([k]) => Number(k) >= 10).reduce((n, [, c]) => n + c, 0),
    hosts: r.aggregations.hosts.value,
    histogramTotal: r.aggregations.over_time.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0),
    types: pairs('types'),
    levels,
    ruleIds: pairs('rule_ids'),
    sourceIps: pairs('source_ips'),
  };
}

/** Registers the suite against a server on `backend` (one server for the whole file). */
export function dashboardSuite(backend: Backend): void {
  beforeAll(async () => {
    fx = await startFixture(`dashboard-${backend}`, {}, backend);
    await writeAlerts(fx.server, ALERTS);
    ({ page } = await fx.signedIn());
  }, 180_000);
  afterAll(async () => {
    await fx?.close();
    expect(fx?.pageErrors ?? []).toEqual([]);
  }, 60_000);

  describe(`HIDS Alerts dashboard (${backend} backend)`, { timeout: 120_000 }, () => {
    it('narrows every panel to the clicked bar, then to the clicked slice, exactly as the API counts', { timeout: 180_000 }, async () => {
      await page.goto(`${fx.server.url}/dashboard?from=now-24h&to=now`);
      const before = await shownPanels(page);
      expect(before).toEqual(await expectedPanels([]));
      expect(before.total).toBe(ALERTS.length);
      expect(before.hosts).toBe(2);
      expect(before.types.length).toBeGreaterThanOrEqual(8);

      // 1. A source IP bar.
      const [ip, ipCount] = before.sourceIps.find(([k]) => k === '10.10.10.10') ?? (before.sourceIps[0] as [string, number]);
      await page.locator(`[data-testid="top-source-ips"] [data-key="${ip}"] .bar-main`).click();
      await page.waitForSelector(`[data-testid="filter-pill"][data-field="srcip"][data-value="${ip}"]`);
      expect(urlParams(page).getAll('f')).toEqual([JSON.stringify({ field: 'srcip', value: ip })]);
      const byIp = await shownPanels(page);
      expect(byIp).toEqual(await expectedPanels([{ match_phrase: { srcip: ip } }]));
      expect(byIp.total).toBe(ipCount);
      expect(byIp.total).toBe(ALERTS.filter((a) => a.ossecFields['srcip'] === ip).length);
      expect(byIp.total).toBeLessThan(before.total);
      expect(byIp.sourceIps).toEqual([[ip, ipCount]]);
      expect(byIp.histogramTotal).toBe(byIp.total);
      expect(byIp.types.reduce((n, [, c]) => n + c, 0)).toBe(byIp.total);

      // 2. A level slice of the donut, on top of it.
      const [level, levelCount] = byIp.levels[0] as [string, number];
      const slice = page.locator(`[data-testid="level-slice"][data-key="${level}"]`);
      const [mx, my] = ((await slice.getAttribute('data-mid')) as string).split(',').map(Number) as [number, number];
      const donut = (await page.locator('svg.donut').boundingBox())!;
      await page.mouse.click(donut.x + mx, donut.y + my);
      await page.waitForSelector(`[data-testid="filter-pill"][data-field="rule.level"][data-value="${level}"]`);
      const both = await shownPanels(page);
      expect(both).toEqual(await expectedPanels([{ match_phrase: { srcip: ip } }, { match_phrase: { 'rule.level': Number(level) } }]));
      expect(both.total).toBe(levelCount);
      expect(both.levels).toEqual([[level, levelCount]]);
      expect(both.total).toBe(ALERTS.filter((a) => a.ossecFields['srcip'] === ip && a.rule.level === Number(level)).length);

      // 3. An alert type row: its count becomes the total. Over the whole data set, not a substring match.
      await page.goto(`${fx.server.url}/dashboard?from=now-24h&to=now`);
      const all = await shownPanels(page);
      const [comment, commentCount] = all.types[2] as [string, number];
      await page.locator('[data-testid="top-types"] .bar-row').nth(2).locator('.bar-main').click();
      await page.waitForSelector('[data-testid="filter-pill"][data-field="rule.comment"]');
      const byType = await shownPanels(page);
      expect(byType.total).toBe(commentCount);
      expect(byType.types).toEqual([[comment, commentCount]]);
      expect(byType.total).toBe(ALERTS.filter((a) => a.rule.comment === comment).length);
      expect(byType).toEqual(await expectedPanels([{ match_phrase: { 'rule.comment.keyword': comment } }]));

      // 4. A rule id, filtered out with its − button.
      const [sid, sidCount] = byType.ruleIds[0] as [string, number];
      await page.goto(`${fx.server.url}/dashboard?from=now-24h&to=now`);
      await waitReady(page, 'dashboard');
      const sidRow = page.locator(`[data-testid="top-rule-ids"] [data-key="${sid}"]`);
      await sidRow.hover();
      await sidRow.locator('.bar-out').click();
      await page.waitForSelector(`[data-testid="filter-pill"][data-field="rule.sidid"][data-negate="true"]`);
      const withoutSid = await shownPanels(page);
      expect(withoutSid).toEqual(await expectedPanels([{ bool: { must_not: [{ match_phrase: { 'rule.sidid': Number(sid) } }] } }]));
      expect(withoutSid.total).toBe(ALERTS.length - ALERTS.filter((a) => a.rule.sidid === Number(sid)).length);
      expect(withoutSid.ruleIds.map(([k]) => k)).not.toContain(sid);
      expect(sidCount).toBeGreaterThan(0);
    });

    it('auto-refresh (5 s) shows newly shipped alerts on the dashboard and in Discover without reloading the page', { timeout: 180_000 }, async () => {
      // The last 15 minutes hold no bulk-loaded alert (they end half an hour ago), so that alerts
      // leaving the sliding window cannot blur the count of those arriving.
      expect(ALERTS.filter((a) => a.timeMs > Date.now() - 20 * 60_000)).toEqual([]);
      await page.goto(`${fx.server.url}/dashboard?from=now-15m&to=now`);
      await waitReady(page, 'dashboard');
      await page.getByTestId('refresh-select').selectOption({ label: 'Every 5 s' });
      await expect.poll(() => urlParams(page).get('refresh'), POLL).toBe('5s');
      const loads: string[] = [];
      page.on('load', () => loads.push(page.url()));
      // A marker that a reload would wipe.
      await page.evaluate('window.__hidsmonNoReload = true');
      const before = (await shownPanels(page)).total;

      const now = Date.now();
      // New times and ids: the simulator's ids are unique per host, and these all go to one stream.
      const fresh = simulateAlerts(7, { seed: 99, endMs: now - 20_000, spanMs: 20_000 }).map((a, i) => ({ ...a, timeMs: now - 15_000 + i * 1000, alertId: `${Math.floor(now / 1000)}.${900_000 + i}` }));
      const stream = fresh[0]!.host.instanceId;
      await shipEvents(
        fx.server,
        stream,
        fresh.map((a) => ({ timestamp: a.timeMs, message: renderAlert({ ...a, host: fresh[0]!.host }, 'ossec-json') })),
      );
      const api = await apiSearch(fx.server, { query: '', from: 'now-15m', to: 'now', size: 0 });
      expect(api.total).toBe(before + 7);
      await expect.poll(async () => Number(await page.getAttribute('[data-testid="metric-total"]', 'data-value')), { timeout: 20_000, interval: 200 }).toBe(before + 7);
      expect(await page.evaluate('window.__hidsmonNoReload === true')).toBe(true);
      expect(loads).toEqual([]);

      // Discover, through its tab: the same, live.
      await page.getByTestId('nav-discover').click();
      const discoverBefore = await shownTotal(page);
      expect(discoverBefore).toBe(before + 7);
      expect(urlParams(page).get('refresh')).toBe('5s');
      const later = Date.now();
      const more = simulateAlerts(3, { seed: 100, endMs: later - 10_000, spanMs: 10_000 }).map((a, i) => ({ ...a, host: fresh[0]!.host, timeMs: later - 5_000 + i * 1000, alertId: `${Math.floor(later / 1000)}.${910_000 + i}` }));
      await shipEvents(fx.server, stream, more.map((a) => ({ timestamp: a.timeMs, message: renderAlert(a, 'ossec-json') })));
      await expect.poll(async () => Number(await page.getAttribute('[data-testid="hit-count"]', 'data-total')), { timeout: 20_000, interval: 200 }).toBe(before + 10);
      // The newest shipped alert heads the table.
      await expect.poll(async () => (await page.getByTestId('doc-row').first().locator('td.time-col').textContent())?.slice(11, 19), POLL).toBe(new Date(more[2]!.timeMs).toTimeString().slice(0, 8));
      expect(await page.evaluate('window.__hidsmonNoReload === true')).toBe(true);
      expect(loads).toEqual([]);

      // Off again: nothing more is fetched.
      await page.getByTestId('refresh-select').selectOption({ label: 'Refresh: off' });
      await expect.poll(() => urlParams(page).get('refresh'), POLL).toBe('off');
    });

    // Screenshots show the UI, which is the same on either backend: taken once, on the embedded one.
    if (backend === 'embedded') {
      it('saves screenshots of the dashboard at 1280×800 and 1920×1080', { timeout: 120_000 }, async () => {
        for (const [width, height] of [
          [1280, 800],
          [1920, 1080],
        ] as const) {
          const { page: shot } = await fx.signedIn({ width, height });
          await shot.goto(`${fx.server.url}/dashboard?from=now-3h&to=now`);
          await waitReady(shot, 'dashboard');
          await shot.mouse.move(0, 0);
          const path = await screenshot(shot, `dashboard-${width}x${height}`);
          expect(path).toMatch(/dashboard-\d+x\d+\.png$/);
        }
      });
    }
  });
}
