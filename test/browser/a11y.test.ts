/**
 * Accessibility and the polish of issue 13 item 8, in Chromium against a real server: axe-core
 * (injected into each page) reports no serious or critical violation on the sign-in page,
 * Discover, the dashboard, the fleet view, the ingest and audit pages and a document's page; the
 * + / − filter buttons are reached and pressed with the keyboard; no stray "… hits" line under a
 * syntax error; the sign-in page names this server's own address; a long top value stays inside
 * the sidebar; shares read alike (one decimal); levels 5 and 6 have names and colours of their own.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, TOKEN, simulateAlerts, startFixture, waitReady, watchPage, writeAlerts, type Fixture } from './harness.js';

let fx: Fixture;
let context: BrowserContext;

beforeAll(async () => {
  fx = await startFixture('a11y');
  await writeAlerts(fx.server, simulateAlerts(300, { seed: 5 }));
  // axe is injected as a script: this context lets it past the page's CSP (script-src 'self').
  context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  context.on('page', (p) => watchPage(p, fx.pageErrors));
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
});

describe('axe-core on every page', () => {
  it('finds no serious or critical violation on the sign-in page, which names this server and does not break words', { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    await page.goto(`${fx.server.url}/discover`);
    await page.waitForSelector('[data-testid="sign-in"]');
    expect(await page.getByTestId('login-example').textContent()).toBe(`${fx.server.url}/login?token=…`);
    expect(await page.getByTestId('login-example').textContent()).not.toContain(':5601');
    // Words in the card's code samples are not cut mid-word: only the long link may wrap.
    const breaking = await page.evaluate(`[...document.querySelectorAll('.sign-in-card code')].filter((c) => !c.classList.contains('login-example') && c.getClientRects().length > 1).length`);
    expect(breaking).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('finds none on Discover, the dashboard, the fleet view, ingest, audit and a document page', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    await page.goto(fx.server.newLoginUrl('admin'));
    await page.waitForSelector('.app');
    const found: Record<string, string[]> = {};
    await page.goto(`${fx.server.url}/discover`);
    await waitReady(page, 'discover');
    await page.getByTestId('row-expand').first().click();
    found['discover'] = await seriousViolations(page);
    await page.getByTestId('doc-link').click();
    await page.waitForSelector('[data-testid="doc-page"][data-ready="true"]');
    found['doc'] = await seriousViolations(page);
    await page.goto(`${fx.server.url}/dashboard`);
    await waitReady(page, 'dashboard');
    found['dashboard'] = await seriousViolations(page);
    await page.goto(`${fx.server.url}/fleet`);
    await page.waitForSelector('[data-testid="fleet-page"][data-ready="true"]');
    found['fleet'] = await seriousViolations(page);
    await page.goto(`${fx.server.url}/ingest`);
    await page.waitForSelector('[data-testid="ingest-page"][data-ready="true"]');
    found['ingest'] = await seriousViolations(page);
    await page.goto(`${fx.server.url}/audit`);
    await page.waitForSelector('[data-testid="audit-page"][data-ready="true"]');
    found['audit'] = await seriousViolations(page);
    expect(found).toEqual({ discover: [], doc: [], dashboard: [], fleet: [], ingest: [], audit: [] });
    await page.close();
  });
});

describe('polish', () => {
  it('reaches a value’s + button with Tab and filters with Enter', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/discover`);
    await waitReady(page, 'discover');
    await page.getByTestId('query-input').focus();
    let reached = false;
    for (let i = 0; i < 300 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(`document.activeElement?.getAttribute('data-testid')`)) === 'filter-for';
    }
    expect(reached).toBe(true);
    const label = (await page.evaluate(`document.activeElement.getAttribute('aria-label')`)) as string;
    expect(await page.evaluate(`getComputedStyle(document.activeElement.parentElement).opacity`)).toBe('1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="filter-pill"]', { timeout: 10_000 });
    expect(label).toMatch(/^Filter for /);
  });

  it('shows no hit count under a syntax error', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/discover?q=${encodeURIComponent('rule.level:(')}`);
    await page.waitForSelector('[data-testid="query-error"], .query-error', { timeout: 30_000 });
    expect(await page.locator('.hits-header').isVisible()).toBe(false);
  });

  it('keeps a long full_log top value inside the sidebar; shares have one decimal everywhere', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/discover`);
    await waitReady(page, 'discover');
    await page.locator('.field-name', { hasText: /^full_log/ }).first().click();
    await page.getByTestId('top-value').first().waitFor();
    const overflow = (await page.evaluate(`(() => { const s = document.querySelector('.sidebar') || document.querySelector('[data-testid="field-sidebar"]'); const v = document.querySelector('[data-testid="top-value"]'); return { sidebar: s.getBoundingClientRect().right, value: v.getBoundingClientRect().right, scroll: s.scrollWidth - s.clientWidth }; })()`)) as { sidebar: number; value: number; scroll: number };
    expect(overflow.value).toBeLessThanOrEqual(overflow.sidebar + 0.5);
    expect(overflow.scroll).toBeLessThanOrEqual(0);
    for (const share of await page.locator('.top-value-share').allTextContents()) expect(share).toMatch(/^\d+\.\d%$/);
    await page.goto(`${fx.server.url}/dashboard`);
    await waitReady(page, 'dashboard');
    for (const share of await page.locator('.legend-share, .bar-share').allTextContents()) if (share !== '') expect(share).toMatch(/^\d+\.\d%$/);
  });

  it('draws a one-level donut as one seamless ring', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    const level = ((await fetch(`${fx.server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '', from: 'now-24h', size: 1 }) }).then((r) => r.json())) as { hits: Array<{ document: { rule: { level: number } } }> }).hits[0]!.document.rule.level;
    await page.goto(`${fx.server.url}/dashboard?q=${encodeURIComponent(`rule.level:${level}`)}`);
    await waitReady(page, 'dashboard');
    const slices = page.getByTestId('level-slice');
    expect(await slices.count()).toBe(1);
    const d = (await slices.first().getAttribute('d')) as string;
    // Two closed circles (outer and inner) filled even-odd: no straight edge across the ring, where the two half-slices met.
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).not.toContain('L');
    expect(await slices.first().getAttribute('fill-rule')).toBe('evenodd');
  });

  it('names levels 5 and 6 apart, in colours apart', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/dashboard`);
    await waitReady(page, 'dashboard');
    const names = (await page.evaluate(`Object.fromEntries([...document.querySelectorAll('.level-legend li')].map((li) => [li.getAttribute('data-key'), li.querySelector('.legend-band').textContent]))`)) as Record<string, string>;
    const keys = Object.keys(names);
    expect(new Set(Object.values(names)).size).toBe(keys.length);
    const colours = (await page.evaluate(`[...document.querySelectorAll('.level-legend .level-badge')].map((b) => getComputedStyle(b).backgroundColor)`)) as string[];
    expect(new Set(colours).size).toBe(colours.length);
  });
});

describe('Discover table', () => {
  it('keeps the expanded row in the URL (a reload opens it again), wraps long values on demand, and resizes a column by keyboard', { timeout: 60_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/discover?cols=rule.level,full_log,srcip`);
    await waitReady(page, 'discover');
    const first = page.getByTestId('doc-row').first();
    const id = (await first.getAttribute('data-id')) as string;
    await first.getByTestId('row-expand').click();
    const open = new URL(page.url()).searchParams.getAll('open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(new RegExp(`^cwl-\\d{4}\\.\\d{2}\\.\\d{2}/${id}$`));
    await page.reload();
    await waitReady(page, 'discover');
    await page.getByTestId('doc-detail').waitFor();
    expect(await page.getByTestId('doc-detail').textContent()).toContain(id);

    const cell = page.locator('td[data-field="full_log"] .cell-text').first();
    const before = (await cell.boundingBox())?.height ?? 0;
    await page.getByTestId('wrap-toggle').click();
    expect(new URL(page.url()).searchParams.get('wrap')).toBe('1');
    expect(await cell.evaluate((e) => (globalThis as unknown as { getComputedStyle(x: unknown): { whiteSpace: string } }).getComputedStyle(e).whiteSpace)).toBe('pre-wrap');
    expect((await cell.boundingBox())?.height ?? 0).toBeGreaterThan(before);

    const header = page.locator('th[data-field="full_log"]');
    const start = (await header.boundingBox())?.width ?? 0;
    await page.locator('[data-testid="column-resizer"][data-field="full_log"]').focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    const wide = (await header.boundingBox())?.width ?? 0;
    expect(wide).toBeGreaterThan(start + 150);
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    expect((await header.boundingBox())?.width ?? 0).toBeLessThan(wide - 150);
  });
});
