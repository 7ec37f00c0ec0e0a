/**
 * Discover in Chromium against a real server: the blog's query typed into the query bar, a syntax
 * error at its position, the sidebar's top values and filter pills, row details, paging with
 * search_after, drag-to-zoom, and the URL as the whole view (a new page restores it; Back steps back).
 *
 * The cases, for discover.test.ts (embedded backend) and discover.opensearch.test.ts (OpenSearch).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import { apiPost, apiSearch, BLOG_QUERY, screenshot, shownTotal, simulateAlerts, startFixture, urlParams, waitReady, writeAlerts, type Fixture } from './harness.js';

const ALERTS = simulateAlerts(4000);
if (ALERTS.some((a) => a.timeMs > Date.now())) throw new Error('The simulated alerts must all be in the past.');
/** Waits for the UI: generous for a busy two-core machine; the values awaited are exact. */
const POLL = { timeout: 30_000, interval: 100 };
let fx: Fixture;
let page: Page;

async function runQuery(query: string): Promise<void> {
  const input = page.getByTestId('query-input');
  await input.fill(query);
  await input.press('Enter');
  await expect.poll(() => urlParams(page).get('q') ?? '', POLL).toBe(query.trim());
  // The URL changes with the state; data for it follows.
  await waitReady(page);
}

async function openDiscover(params: Record<string, string> = {}): Promise<void> {
  const search = new URLSearchParams({ from: 'now-24h', to: 'now', ...params });
  await page.goto(`${fx.server.url}/discover?${search.toString()}`);
  await waitReady(page);
}

/** Registers the suite against a server on `backend` (one server for the whole file). */
export function discoverSuite(backend: Backend): void {
  beforeAll(async () => {
    fx = await startFixture(`discover-${backend}`, {}, backend);
    await writeAlerts(fx.server, ALERTS);
    ({ page } = await fx.signedIn());
  }, 180_000);
  afterAll(async () => {
    await fx?.close();
    expect(fx?.pageErrors ?? []).toEqual([]);
  }, 60_000);

  describe(`Discover (${backend} backend)`, { timeout: 120_000 }, () => {
    it("runs the blog's query from the query bar and counts exactly what the API counts", async () => {
      await openDiscover();
      const everything = await apiSearch(fx.server, { query: '', from: 'now-24h', to: 'now', size: 0 });
      expect(everything.total).toBe(ALERTS.length);
      expect(await shownTotal(page)).toBe(ALERTS.length);

      await runQuery(BLOG_QUERY);
      const api = await apiSearch(fx.server, { query: BLOG_QUERY, from: 'now-24h', to: 'now', size: 0 });
      const oracle = ALERTS.filter((a) => a.rule.level === 6 && a.host.instanceId === 'i-0e427a8594852eca2' && a.ossecFields['srcip'] === '10.10.10.10').length;
      expect(oracle).toBeGreaterThan(0);
      expect(api.total).toBe(oracle);
      expect(await shownTotal(page)).toBe(api.total);
      expect(await page.getByTestId('hit-count').textContent()).toContain(api.total.toLocaleString('en-US'));

      // Every row shown is a match, with the default columns.
      const rows = page.getByTestId('doc-row');
      expect(await rows.count()).toBe(Math.min(50, oracle));
      for (const column of ['rule.level', 'rule.comment', 'srcip', '@log_stream']) {
        expect(await page.locator(`th[data-field="${column}"]`).count()).toBe(1);
      }
      const levels = await page.locator('td[data-field="rule.level"]').allTextContents();
      expect(new Set(levels.map((t) => t.trim().slice(0, 1)))).toEqual(new Set(['6']));
      expect(new Set((await page.locator('td[data-field="srcip"] .cell-text').allTextContents()).map((t) => t.trim()))).toEqual(new Set(['10.10.10.10']));
      expect(new Set((await page.locator('td[data-field="@log_stream"] .cell-text').allTextContents()).map((t) => t.trim()))).toEqual(new Set(['i-0e427a8594852eca2']));
    });

    it('sends its first search as the app boots, beside the session check, and only once', async () => {
      await openDiscover({ q: 'sshd' });
      const calls = (await page.evaluate(`performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/')).map((r) => ({ path: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd }))`)) as Array<{ path: string; start: number; end: number }>;
      const searches = calls.filter((c) => c.path === '/api/search');
      const session = calls.find((c) => c.path === '/api/session');
      // Before: the search went out after the session's answer and the app's first render.
      expect(searches).toHaveLength(1);
      expect(session).toBeDefined();
      expect(searches[0]!.start).toBeLessThan(session!.end);
      const api = await apiSearch(fx.server, { query: 'sshd', from: 'now-24h', to: 'now', size: 0 });
      expect(await shownTotal(page)).toBe(api.total);
      // A change of the query searches again, as before (the boot's answer is taken once).
      await runQuery('sshd AND rule.level:>=5');
      const again = await apiSearch(fx.server, { query: 'sshd AND rule.level:>=5', from: 'now-24h', to: 'now', size: 0 });
      expect(await shownTotal(page)).toBe(again.total);
    });

    it('shows a syntax error inline at its position, with the hint', async () => {
      await openDiscover();
      const bad = 'rule.level: 6 AND (srcip:';
      const input = page.getByTestId('query-input');
      await input.fill(bad);
      await input.press('Enter');
      const error = page.getByTestId('query-error');
      await error.waitFor({ timeout: 30_000 });
      const api = await apiSearch(fx.server, { query: bad, from: 'now-24h', to: 'now', size: 0 });
      expect(api.error.kind).toBe('syntax');
      expect(typeof api.error.position).toBe('number');
      expect(await error.getAttribute('data-kind')).toBe('syntax');
      expect(Number(await error.getAttribute('data-position'))).toBe(api.error.position);
      expect(await page.getByTestId('query-error-message').textContent()).toBe(api.error.message);
      expect(await page.getByTestId('query-error-hint').textContent()).toBe(api.error.hint);
      // The caret sits under the character at the position.
      const caret = (await page.getByTestId('query-error-caret').textContent()) as string;
      const [text, pointer] = caret.split('\n');
      expect(text).toBe(bad.length === api.error.position ? `${bad} ` : bad);
      expect(pointer).toBe(`${' '.repeat(api.error.position)}^`);
      expect(await page.getByTestId('doc-table').count()).toBe(0);

      // Fixing the query clears the error.
      await runQuery('rule.level: 6 AND (srcip: 10.10.10.10)');
      expect(await page.getByTestId('query-error').count()).toBe(0);
      expect(await shownTotal(page)).toBe((await apiSearch(fx.server, { query: 'rule.level: 6 AND (srcip: 10.10.10.10)', from: 'now-24h', to: 'now', size: 0 })).total);
    });

    it("shows a field's top 5 values with their share, and filters in and out from them; pills negate, disable and go", async () => {
      await openDiscover();
      await page.locator('[data-testid="sidebar-field"][data-field="srcip"] .field-name').click();
      const details = page.locator('[data-testid="field-details"][data-field="srcip"]');
      await details.waitFor();
      const top = await apiPost(fx.server, '/api/fields/top', { field: 'srcip', query: '', from: 'now-24h', to: 'now' });
      const values = details.getByTestId('top-value');
      expect(await values.count()).toBe(5);
      for (let i = 0; i < 5; i++) {
        expect(await values.nth(i).getAttribute('data-value')).toBe(String(top.values[i].value));
        expect(Number(await values.nth(i).getAttribute('data-count'))).toBe(top.values[i].count);
        expect(await values.nth(i).textContent()).toContain(`${(Math.round(top.values[i].share * 1000) / 10).toString()}%`);
      }

      const ip = String(top.values[0].value);
      const filter = { match_phrase: { srcip: ip } };
      await values.nth(0).hover();
      await values.nth(0).getByTestId('filter-for').click();
      const pill = page.getByTestId('filter-pill');
      await pill.waitFor();
      await waitReady(page);
      expect(await pill.getAttribute('data-field')).toBe('srcip');
      expect(await pill.getAttribute('data-value')).toBe(ip);
      const filtered = await apiSearch(fx.server, { query: '', filters: [filter], from: 'now-24h', to: 'now', size: 0 });
      expect(await shownTotal(page)).toBe(filtered.total);
      expect(filtered.total).toBe(top.values[0].count);

      // Negate it: the complement.
      await pill.locator('.pill-label').click();
      await page.getByTestId('pill-negate').click();
      await page.waitForSelector('[data-testid="filter-pill"][data-negate="true"]');
      const negated = await apiSearch(fx.server, { query: '', filters: [{ bool: { must_not: [filter] } }], from: 'now-24h', to: 'now', size: 0 });
      expect(await shownTotal(page)).toBe(negated.total);
      expect(negated.total).toBe(ALERTS.length - filtered.total);

      // Disable it: everything again, the pill stays.
      await pill.locator('.pill-label').click();
      await page.getByTestId('pill-disable').click();
      await page.waitForSelector('[data-testid="filter-pill"][data-disabled="true"]');
      expect(await shownTotal(page)).toBe(ALERTS.length);

      // Remove it.
      await page.getByTestId('pill-remove').click();
      await expect.poll(() => page.locator('[data-testid="filter-pill"]').count(), POLL).toBe(0);
      expect(await shownTotal(page)).toBe(ALERTS.length);

      // Filter out from a table cell.
      const firstLevelCell = page.locator('td[data-field="rule.level"]').first();
      const level = Number((await firstLevelCell.locator('.level-badge').textContent())?.trim());
      await firstLevelCell.hover();
      await firstLevelCell.getByTestId('filter-out').click();
      await page.waitForSelector(`[data-testid="filter-pill"][data-field="rule.level"][data-negate="true"]`);
      const withoutLevel = await apiSearch(fx.server, { query: '', filters: [{ bool: { must_not: [{ match_phrase: { 'rule.level': level } }] } }], from: 'now-24h', to: 'now', size: 0 });
      expect(await shownTotal(page)).toBe(withoutLevel.total);
      expect(withoutLevel.total).toBe(ALERTS.filter((a) => a.rule.level !== level).length);
    });

    it('expands a row to every field and to the JSON', async () => {
      await openDiscover();
      const api = await apiSearch(fx.server, { query: '', from: 'now-24h', to: 'now', size: 1 });
      const doc = api.hits[0].document;
      await page.getByTestId('row-expand').first().click();
      const detail = page.getByTestId('doc-detail');
      await detail.waitFor();
      const fullLog = detail.locator('[data-testid="detail-field"][data-field="full_log"] [data-testid="detail-value"]');
      expect(await fullLog.textContent()).toBe(doc.full_log);
      const names = await detail.locator('[data-testid="detail-field"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field')));
      for (const name of ['@timestamp', '@log_stream', '@log_group', 'rule.level', 'rule.comment', 'rule.sidid', 'full_log', 'location']) expect(names).toContain(name);

      // A field from the document becomes a column, and goes again.
      await detail.locator('[data-testid="detail-field"][data-field="location"] [data-testid="toggle-column"]').click();
      await page.waitForSelector('th[data-field="location"]');
      expect(urlParams(page).get('cols')).toBe('rule.level,rule.comment,srcip,@log_stream,location');

      await page.getByTestId('detail-tab-json').first().click();
      expect(JSON.parse((await page.getByTestId('doc-json').first().textContent()) as string)).toEqual(doc);
    });

    it('loads further pages with search_after as the table scrolls, newest first, without repeats', async () => {
      await openDiscover({ q: 'rule.level:<=5' });
      const total = await shownTotal(page);
      expect(total).toBeGreaterThan(250);
      expect(await page.getByTestId('doc-row').count()).toBe(50);
      await page.getByTestId('doc-row').last().scrollIntoViewIfNeeded();
      await expect.poll(() => page.locator('[data-testid="doc-row"]').count(), POLL).toBeGreaterThanOrEqual(150);
      await page.getByTestId('doc-row').last().scrollIntoViewIfNeeded();
      await expect.poll(() => page.locator('[data-testid="doc-row"]').count(), POLL).toBeGreaterThanOrEqual(250);
      const ids = await page.getByTestId('doc-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
      // The API's own pages, over the same resolved range, give the same rows in the same order.
      const first = await apiSearch(fx.server, { query: 'rule.level:<=5', from: 'now-24h', to: 'now', size: 250 });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, 250)).toEqual(first.hits.map((h: { id: string }) => h.id));
    });

    it('zooms into the time range dragged across on the histogram, and takes an absolute range', async () => {
      await openDiscover();
      const overlay = page.getByTestId('discover-histogram-overlay');
      const box = (await overlay.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.955, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.975, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await expect.poll(() => urlParams(page).get('from')?.startsWith('now'), POLL).toBe(false);
      await waitReady(page);
      const from = urlParams(page).get('from') as string;
      const to = urlParams(page).get('to') as string;
      expect(from).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const fromMs = Date.parse(from);
      const toMs = Date.parse(to);
      expect(toMs).toBeGreaterThan(fromMs);
      const api = await apiSearch(fx.server, { query: '', from, to, size: 0 });
      expect(await shownTotal(page)).toBe(api.total);
      expect(api.total).toBe(ALERTS.filter((a) => a.timeMs >= fromMs && a.timeMs <= toMs).length);
      expect(api.total).toBeLessThan(ALERTS.length);

      // The absolute range in the time picker, in local time.
      const lastMs = Math.max(...ALERTS.map((a) => a.timeMs));
      const local = (ms: number): string => {
        const d = new Date(ms);
        const p = (n: number): string => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      };
      const start = Math.floor((lastMs - 3_600_000) / 1000) * 1000;
      const end = Math.floor((lastMs - 1_800_000) / 1000) * 1000;
      await page.getByTestId('time-picker').click();
      await page.getByTestId('time-from').fill(local(start));
      await page.getByTestId('time-to').fill(local(end));
      await page.getByTestId('time-apply').click();
      await expect.poll(() => urlParams(page).get('from'), POLL).toBe(new Date(start).toISOString());
      expect(urlParams(page).get('to')).toBe(new Date(end).toISOString());
      expect(await page.getByTestId('time-label').textContent()).toBe(`${local(start)} → ${local(end)}`);
      expect(await shownTotal(page)).toBe(ALERTS.filter((a) => a.timeMs >= start && a.timeMs <= end).length);
    });

    it('keeps the whole view in the URL: a copied link restores it in a new page, and Back steps back', { timeout: 180_000 }, async () => {
      await openDiscover();
      // 1. A query.
      await runQuery('rule.level:>=5');
      // 2. A filter from the sidebar.
      await page.locator('[data-testid="sidebar-field"][data-field="@log_stream"] .field-name').click();
      const value = page.locator('[data-testid="field-details"][data-field="@log_stream"] [data-testid="top-value"][data-value="i-0e427a8594852eca2"]');
      await value.hover();
      await value.getByTestId('filter-out').click();
      await page.waitForSelector('[data-testid="filter-pill"][data-negate="true"]');
      await waitReady(page);
      // 3. A quick range.
      await page.getByTestId('time-picker').click();
      await page.getByTestId('quick-now-7d').click();
      await expect.poll(() => urlParams(page).get('from'), POLL).toBe('now-7d');
      await waitReady(page);
      // 4. Auto-refresh.
      await page.getByTestId('refresh-select').selectOption({ label: 'Every 5 min' });
      await expect.poll(() => urlParams(page).get('refresh'), POLL).toBe('5m');
      // 5. A column from the sidebar, and one removed from the table header.
      const groupField = page.locator('[data-testid="sidebar-field"][data-field="rule.group"]');
      await groupField.locator('.field-line').hover();
      await groupField.getByTestId('sidebar-toggle-column').click();
      await page.waitForSelector('th[data-field="rule.group"]');
      await page.locator('th[data-field="srcip"]').hover();
      await page.getByRole('button', { name: 'Remove column srcip' }).click();
      await expect.poll(() => page.locator('th[data-field="srcip"]').count(), POLL).toBe(0);
      await waitReady(page);

      const link = page.url();
      const shown = await shownTotal(page);
      const api = await apiSearch(fx.server, { query: 'rule.level:>=5', filters: [{ bool: { must_not: [{ match_phrase: { '@log_stream': 'i-0e427a8594852eca2' } }] } }], from: 'now-7d', to: 'now', size: 0 });
      expect(shown).toBe(api.total);
      const columns = async (p: Page): Promise<string[]> => p.locator('thead th[data-field]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-field') as string));
      const expectedColumns = ['@timestamp', 'rule.level', 'rule.comment', '@log_stream', 'rule.group'];
      expect(await columns(page)).toEqual(expectedColumns);

      // A new page (same signed-in browser) from the link alone.
      const other = await page.context().newPage();
      await other.goto(link);
      await waitReady(other);
      expect(await other.getByTestId('query-input').inputValue()).toBe('rule.level:>=5');
      expect(await other.getByTestId('time-label').textContent()).toBe('Last 7 days');
      expect(await other.getByTestId('refresh-select').inputValue()).toBe('300000');
      const pills = other.getByTestId('filter-pill');
      expect(await pills.count()).toBe(1);
      expect(await pills.first().getAttribute('data-field')).toBe('@log_stream');
      expect(await pills.first().getAttribute('data-value')).toBe('i-0e427a8594852eca2');
      expect(await pills.first().getAttribute('data-negate')).toBe('true');
      expect(await columns(other)).toEqual(expectedColumns);
      expect(Number(await other.getAttribute('[data-testid="hit-count"]', 'data-total'))).toBe(api.total);
      expect(other.url()).toBe(link);
      await other.close();

      // Back: the removed column returns; back again: the added column goes; then the refresh, the time range, the pill, the query.
      await page.goBack();
      await page.waitForSelector('th[data-field="srcip"]');
      expect(await columns(page)).toEqual(['@timestamp', 'rule.level', 'rule.comment', 'srcip', '@log_stream', 'rule.group']);
      await page.goBack();
      await expect.poll(() => page.locator('th[data-field="rule.group"]').count(), POLL).toBe(0);
      await page.goBack();
      await expect.poll(() => urlParams(page).get('refresh'), POLL).toBe('off');
      expect(await page.getByTestId('refresh-select').inputValue()).toBe('0');
      await page.goBack();
      await expect.poll(() => urlParams(page).get('from'), POLL).toBe('now-24h');
      expect(await page.getByTestId('time-label').textContent()).toBe('Last 24 hours');
      expect(await shownTotal(page)).toBe((await apiSearch(fx.server, { query: 'rule.level:>=5', filters: [{ bool: { must_not: [{ match_phrase: { '@log_stream': 'i-0e427a8594852eca2' } }] } }], from: 'now-24h', to: 'now', size: 0 })).total);
      await page.goBack();
      await expect.poll(() => page.locator('[data-testid="filter-pill"]').count(), POLL).toBe(0);
      expect(await shownTotal(page)).toBe((await apiSearch(fx.server, { query: 'rule.level:>=5', from: 'now-24h', to: 'now', size: 0 })).total);
      await page.goBack();
      await expect.poll(() => urlParams(page).has('q'), POLL).toBe(false);
      // The input takes the URL's query in an effect after the render: a moment after the URL.
      await expect.poll(() => page.getByTestId('query-input').inputValue(), POLL).toBe('');
      expect(await shownTotal(page)).toBe(ALERTS.length);
    });

    // Screenshots show the UI, which is the same on either backend: taken once, on the embedded one.
    if (backend === 'embedded') {
      it('saves screenshots of Discover at 1280×800 and 1920×1080', async () => {
        for (const [width, height] of [
          [1280, 800],
          [1920, 1080],
        ] as const) {
          const { page: shot } = await fx.signedIn({ width, height });
          await shot.goto(`${fx.server.url}/discover?q=${encodeURIComponent('rule.level:>=5')}&from=now-3h&to=now`);
          await waitReady(shot);
          await shot.locator('[data-testid="sidebar-field"][data-field="srcip"] .field-name').click();
          await shot.locator('[data-testid="field-details"][data-field="srcip"]').waitFor();
          await shot.getByTestId('row-expand').nth(1).click();
          await shot.getByTestId('doc-detail').waitFor();
          await shot.mouse.move(0, 0);
          const path = await screenshot(shot, `discover-${width}x${height}`);
          expect(path).toMatch(/discover-\d+x\d+\.png$/);
        }
      });
    }
  });
}
