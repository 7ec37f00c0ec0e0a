/**
 * Discover with field names that are `Object.prototype` member names: columns from the URL
 * (`cols=toString,constructor,__proto__`) render, documents without those fields show them as
 * missing, and a document that has them shows their values, as text, in its cells and details.
 * Before the fix the page went blank (a column named `toString` read the inherited method).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../src/core/ids.js';
import type { IndexedDocument } from '../../src/core/document.js';
import { renderAlert } from '../../src/simulate/render.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';
import { apiSearch, LOG_GROUP, shownTotal, simulateAlerts, startFixture, waitReady, writeAlerts, type Fixture } from './harness.js';

const ALERTS = simulateAlerts(300);
const POLL = { timeout: 30_000, interval: 100 };
const POISON_STREAM = 'i-0badc0ffee0000003';
let fx: Fixture;
let page: Page;
let poison: IndexedDocument;

function put(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The newest alert of all, with prototype-named fields at the top level and nested. */
function poisonDocument(): IndexedDocument {
  const timeMs = Date.now() - 60_000;
  const alert = JSON.parse(renderAlert({ ...(ALERTS[0] as (typeof ALERTS)[number]), timeMs, alertId: `${Math.floor(timeMs / 1000)}.4242` }, 'ossec-json')) as Record<string, any>;
  put(alert, 'toString', { a: 'text of toString.a' });
  put(alert, 'constructor', 'constructor as text <b>not bold</b>');
  put(alert, '__proto__', { polluted: 'kept as data' });
  put(alert['rule'], 'valueOf', 'rule valueOf');
  const data = {};
  put(data, 'hasOwnProperty', ['h-one', 'h-two']);
  alert['data'] = data;
  const message = JSON.stringify(alert);
  return documentFromLogEvent({ eventId: cloudWatchEventId(timeMs, 1), timestampMs: timeMs, message, owner: fx.server.config.owner, logGroup: LOG_GROUP, logStream: POISON_STREAM });
}

beforeAll(async () => {
  fx = await startFixture('prototype-keys');
  await writeAlerts(fx.server, ALERTS);
  poison = poisonDocument();
  await fx.server.index.write([poison]);
  ({ page } = await fx.signedIn());
}, 180_000);
afterAll(async () => {
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
}, 60_000);

describe('Discover with prototype-named fields', { timeout: 120_000 }, () => {
  it('renders cols=toString,constructor,__proto__ with the table and the hits', async () => {
    await page.goto(`${fx.server.url}/discover?from=now-24h&to=now&cols=toString,constructor,__proto__`);
    await waitReady(page);
    const api = await apiSearch(fx.server, { query: '', from: 'now-24h', to: 'now', size: 0 });
    expect(api.total).toBe(ALERTS.length + 1);
    expect(await shownTotal(page)).toBe(api.total);
    await page.getByTestId('doc-table').waitFor();
    const headers = await page.locator('[data-testid="column-header"]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-field')));
    expect(headers).toEqual(['@timestamp', 'toString', 'constructor', '__proto__']);
    expect(await page.getByTestId('doc-row').count()).toBe(50);
    expect(fx.pageErrors).toEqual([]);

    // The newest row is the poison document: its values as text, JSON for the objects.
    const first = page.getByTestId('doc-row').first();
    expect(await first.getAttribute('data-id')).toBe(poison.id);
    expect((await first.locator('td[data-field="toString"] .cell-text').textContent())?.trim()).toBe('{"a":"text of toString.a"}');
    expect((await first.locator('td[data-field="constructor"] .cell-text').textContent())?.trim()).toBe('constructor as text <b>not bold</b>');
    expect(await first.locator('td[data-field="constructor"] b').count()).toBe(0);
    expect((await first.locator('td[data-field="__proto__"] .cell-text').textContent())?.trim()).toBe('{"polluted":"kept as data"}');
    // The other rows lack these fields: shown as missing, never as an inherited function.
    const second = page.getByTestId('doc-row').nth(1);
    for (const column of ['toString', 'constructor', '__proto__']) {
      expect(await second.locator(`td[data-field="${column}"] .missing`).count(), column).toBe(1);
    }
    const cells = await page.locator('td[data-field]').allTextContents();
    expect(cells.filter((t) => /function|native code|\[object/.test(t))).toEqual([]);
  });

  it('expands the document to show each prototype-named field as text', async () => {
    await page.goto(`${fx.server.url}/discover?from=now-24h&to=now&cols=toString,constructor,__proto__`);
    await waitReady(page);
    const row = page.locator(`[data-testid="doc-row"][data-id="${poison.id}"]`);
    await row.getByTestId('row-expand').click();
    const detail = page.getByTestId('doc-detail');
    await detail.waitFor();
    const value = (field: string): Promise<string | null> => detail.locator(`[data-testid="detail-field"][data-field="${field}"] [data-testid="detail-value"]`).textContent();
    await expect.poll(() => value('toString.a'), POLL).toBe('text of toString.a');
    expect(await value('constructor')).toBe('constructor as text <b>not bold</b>');
    expect(await value('__proto__.polluted')).toBe('kept as data');
    expect(await value('rule.valueOf')).toBe('rule valueOf');
    const chips = await detail.locator('[data-testid="detail-field"][data-field="data.hasOwnProperty"] .chip-text').allTextContents();
    expect(chips).toEqual(['h-one', 'h-two']);
    expect(await detail.locator('b').count()).toBe(0);

    await detail.getByTestId('detail-tab-json').click();
    const json = JSON.parse((await detail.getByTestId('doc-json').textContent()) as string) as Record<string, unknown>;
    expect(Object.hasOwn(json, '__proto__')).toBe(true);
    expect(json['__proto__']).toEqual({ polluted: 'kept as data' });
    expect(json['toString']).toEqual({ a: 'text of toString.a' });
    expect(fx.pageErrors).toEqual([]);
  });

  it('adds a prototype-named field as a column from the sidebar and filters on it', async () => {
    await page.goto(`${fx.server.url}/discover?from=now-24h&to=now&cols=`);
    await waitReady(page);
    const field = page.locator('[data-testid="sidebar-field"][data-field="rule.valueOf"]');
    await field.hover();
    await field.getByTestId('sidebar-toggle-column').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('cols'), POLL).toBe('rule.valueOf');
    await waitReady(page);
    const cell = page.getByTestId('doc-row').first().locator('td[data-field="rule.valueOf"]');
    expect((await cell.locator('.cell-text').textContent())?.trim()).toBe('rule valueOf');
    await cell.hover();
    await cell.getByTestId('filter-for').click();
    await expect.poll(() => shownTotal(page), POLL).toBe(1);
    expect(fx.pageErrors).toEqual([]);
  });
});
