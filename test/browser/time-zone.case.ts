/**
 * Time zones in the UI, in Chromium against a real server (embedded or OpenSearch) with simulated alerts: the browser runs
 * in Asia/Kolkata (playwright's timezoneId) and the setting is switched to UTC; the table, the
 * picker and the histogram's buckets then agree with the API's UTC times. Then in Kolkata itself
 * (buckets on the half hour in UTC), quick and relative ranges, the interval choice in the URL,
 * and bars stacked by rule level in the level colours on Discover and the dashboard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import type { Page } from 'playwright-core';
import { levelColor } from '../../web/src/levels.js';
import { apiSearch, screenshot, shownBars, simulateAlerts, startFixture, urlParams, waitReady, watchPage, writeAlerts, type Fixture } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let fx: Fixture;
let page: Page;
/** A whole UTC day holding alerts: two days back. */
const dayStartMs = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY;
const isoDay = new Date(dayStartMs).toISOString().slice(0, 10);
const nextIsoDay = new Date(dayStartMs + DAY).toISOString().slice(0, 10);

/** `2024-03-02 14:05:09.123` of an ISO time, in UTC: how the table must show it with the setting on UTC. */
const utcText = (iso: string): string => iso.replace('T', ' ').replace('Z', '');

async function openPicker(): Promise<void> {
  if ((await page.getAttribute('[data-testid="time-picker"]', 'aria-expanded')) !== 'true') await page.click('[data-testid="time-picker"]');
}

async function setZone(zone: string): Promise<void> {
  await openPicker();
  await page.fill('[data-testid="time-zone-input"]', zone);
  await page.click('[data-testid="time-zone-apply"]');
  await waitReady(page);
}

async function histogramKeys(): Promise<Array<[number, number]>> {
  return (await shownBars(page, '[data-testid="discover-histogram"]')).map(([k, c]) => [Number(k), c]);
}

export function timeZoneSuite(backend: Backend): void {
describe(`time zones in Chromium (browser in Asia/Kolkata, ${backend} backend)`, () => {
  beforeAll(async () => {
    fx = await startFixture(`time-zone-${backend}`, {}, backend);
    await writeAlerts(fx.server, simulateAlerts(6000, { spanMs: 4 * DAY, seed: 13 }));
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    watchPage(page, fx.pageErrors);
    await page.goto(fx.server.newLoginUrl());
    await page.waitForSelector('.app', { timeout: 30_000 });
    await waitReady(page);
  }, 180_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('shows the browser\'s zone by default, beside the picker and the time column', async () => {
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
    expect(await page.textContent('[data-testid="time-zone-badge"]')).toMatch(/^(GMT\+5:30|IST)$/);
    expect(await page.textContent('[data-testid="table-time-zone"]')).toMatch(/^(GMT\+5:30|IST)$/);
  });

  it('on UTC: the picker reads typed times as UTC, the table shows the API\'s UTC times, the buckets are the API\'s UTC hours', async () => {
    await setZone('UTC');
    expect(await page.textContent('[data-testid="time-zone-badge"]')).toBe('UTC');
    expect(await page.textContent('[data-testid="table-time-zone"]')).toBe('UTC');
    expect(await page.textContent('[data-testid="discover-histogram-zone"]')).toBe('Times in UTC');

    await openPicker();
    await page.fill('[data-testid="time-from"]', `${isoDay} 00:00`);
    await page.fill('[data-testid="time-to"]', `${isoDay} 23:59:59.999`);
    await page.click('[data-testid="time-apply"]');
    await waitReady(page);
    expect(urlParams(page).get('from')).toBe(`${isoDay}T00:00:00.000Z`);
    expect(urlParams(page).get('to')).toBe(`${isoDay}T23:59:59.999Z`);

    await page.selectOption('[data-testid="discover-interval"]', 'h');
    await page.waitForSelector('[data-testid="discover-histogram"][data-interval-ms="3600000"]');
    await waitReady(page);
    expect(urlParams(page).get('interval')).toBe('h');

    const from = `${isoDay}T00:00:00.000Z`;
    const to = `${isoDay}T23:59:59.999Z`;
    const api = await apiSearch(fx.server, { query: '', from, to, size: 3, time_zone: 'UTC', aggregations: { h: { type: 'date_histogram', interval_ms: HOUR } } });
    const rows = await page.locator('tbody td.time-col').allTextContents();
    expect(rows.slice(0, 3)).toEqual(api.hits.map((h: { document: { '@timestamp': string } }) => utcText(h.document['@timestamp'])));
    const buckets = await histogramKeys();
    expect(buckets).toEqual(api.aggregations.h.buckets.map((b: { key_ms: number; count: number }) => [b.key_ms, b.count]));
    expect(buckets).toHaveLength(24);
    expect(buckets[0]?.[0]).toBe(dayStartMs);
    // The axis's ticks are UTC hours too: the first labelled tick of a day range is midnight.
    const ticks = await page.locator('[data-testid="discover-histogram"] .axis-label').allTextContents();
    expect(ticks).toContain('00:00');
    expect(await page.textContent('.hits-meta')).toContain(`${isoDay} 00:00:00 → ${isoDay} 23:59:59`);
  });

  it('stacks the bars by rule level in the level colours, the segments adding up to the bucket', async () => {
    expect(await page.getAttribute('[data-testid="discover-histogram"]', 'data-stacked')).toBe('true');
    const stacks = page.locator('[data-testid="discover-histogram"] g.bar-stack');
    let checked = 0;
    for (const stack of (await stacks.all()).slice(0, 24)) {
      const total = Number(await stack.getAttribute('data-count'));
      const segments = await stack.locator('rect.bar-segment').evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-level'), Number(r.getAttribute('data-count')), r.getAttribute('fill')] as const));
      expect(segments.reduce((n, [, c]) => n + c, 0)).toBe(total);
      for (const [level, , fill] of segments) if (level !== 'other') expect(fill).toBe(levelColor(Number(level)));
      if (segments.length > 1) checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="discover-histogram-legend"] li').count()).toBeGreaterThan(1);
    await screenshot(page, `discover-stacked-histogram-utc-${backend}-1280x800`);
  });

  it('today and relative ranges: today is the UTC day, last 45 minutes a relative range', async () => {
    await openPicker();
    if (backend === 'embedded') await screenshot(page, 'time-picker-open-1280x800');
    await page.click('[data-testid="quick-now/d"]');
    await waitReady(page);
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.textContent('[data-testid="time-label"]')).toBe('Today');
    expect(await page.textContent('.hits-meta')).toContain(`${today} 00:00:00 → ${today} 23:59:59`);
    await openPicker();
    await page.fill('[data-testid="relative-amount"]', '45');
    await page.selectOption('[data-testid="relative-unit"]', 'm');
    await page.click('[data-testid="relative-apply"]');
    await waitReady(page);
    expect(urlParams(page).get('from')).toBe('now-45m');
    expect(await page.textContent('[data-testid="time-label"]')).toBe('Last 45 minutes');
  });

  it('in Asia/Kolkata: the same instants shown 5:30 later, hour buckets on the UTC half hour as the API makes them', async () => {
    await page.goto(`${fx.server.url}/discover?from=${isoDay}T00:00:00.000Z&to=${nextIsoDay}T00:00:00.000Z&interval=h`);
    await waitReady(page);
    const utcRows = await page.locator('tbody td.time-col').allTextContents();
    await setZone('Asia/Kolkata');
    const rows = await page.locator('tbody td.time-col').allTextContents();
    const shift = (text: string): string => {
      const ms = Date.parse(`${text.replace(' ', 'T')}Z`) + 5.5 * HOUR;
      return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    };
    expect(rows.slice(0, 5)).toEqual(utcRows.slice(0, 5).map(shift));
    const api = await apiSearch(fx.server, { query: '', from: `${isoDay}T00:00:00.000Z`, to: `${nextIsoDay}T00:00:00.000Z`, size: 0, time_zone: 'Asia/Kolkata', aggregations: { h: { type: 'date_histogram', interval_ms: HOUR } } });
    const buckets = await histogramKeys();
    expect(buckets).toEqual(api.aggregations.h.buckets.map((b: { key_ms: number; count: number }) => [b.key_ms, b.count]));
    for (const [k] of buckets) expect(new Date(k).getUTCMinutes()).toBe(30);
  });

  it('weeks are calendar weeks: buckets from Monday local midnight, as the API\'s calendar_interval', async () => {
    const from = `${new Date(dayStartMs - 14 * DAY).toISOString().slice(0, 10)}T00:00:00.000Z`;
    await page.goto(`${fx.server.url}/discover?from=${from}&to=now&interval=w`);
    await waitReady(page);
    expect(await page.textContent('.hits-meta')).toContain('per week');
    const api = await apiSearch(fx.server, { query: '', from, to: 'now', size: 0, time_zone: 'Asia/Kolkata', aggregations: { h: { type: 'date_histogram', calendar_interval: 'week' } } });
    const buckets = await histogramKeys();
    expect(buckets.map(([k]) => k)).toEqual(api.aggregations.h.buckets.map((b: { key_ms: number }) => b.key_ms));
    // Monday 00:00 in Kolkata is Sunday 18:30 in UTC.
    for (const [k] of buckets) expect([new Date(k).getUTCDay(), new Date(k).getUTCHours(), new Date(k).getUTCMinutes()]).toEqual([0, 18, 30]);
    await page.goto(`${fx.server.url}/discover?from=${isoDay}T00:00:00.000Z&to=${nextIsoDay}T00:00:00.000Z&interval=h`);
    await waitReady(page);
  });

  it('the dashboard\'s alerts over time: stacked, in the zone, with the same interval choice', async () => {
    await page.click('[data-testid="nav-dashboard"]');
    await waitReady(page, 'dashboard');
    expect(await page.getAttribute('[data-testid="dashboard-histogram"]', 'data-stacked')).toBe('true');
    expect(await page.getAttribute('[data-testid="dashboard-histogram"]', 'data-interval-ms')).toBe(String(HOUR));
    expect(await page.locator('[data-testid="dashboard-histogram"] rect.bar-segment').count()).toBeGreaterThan(24);
    await screenshot(page, `dashboard-stacked-histogram-kolkata-${backend}-1280x800`);
    expect(fx.pageErrors).toEqual([]);
  });
});
}
