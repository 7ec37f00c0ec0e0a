/**
 * Document context and permanent links in Chromium: from an expanded alert in Discover (found with
 * a query), its page shows the N alerts before and after on the same host with the query dropped,
 * as /api/doc/…/context gives them, the alert itself highlighted; N is selectable and kept in the
 * URL; the permanent link opens the same document in a fresh browser context. Run on the embedded
 * index (context.test.ts) and on the run's OpenSearch node (context.opensearch.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/config/server-config.js';
import { TOKEN, simulateAlerts, startFixture, waitReady, writeAlerts, type Fixture } from './harness.js';

let fx: Fixture;

async function apiContext(index: string, id: string, size: number): Promise<{ anchor: { id: string }; newer: Array<{ id: string; document: Record<string, unknown> }>; older: Array<{ id: string; document: Record<string, unknown> }> }> {
  const response = await fetch(`${fx.server.url}/api/doc/${index}/${id}/context?size=${size}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.json() as never;
}

/** Registers the suite against a server on `backend` (one server for the whole file). */
export function contextSuite(backend: Backend): void {
beforeAll(async () => {
  fx = await startFixture(`context-${backend}`, {}, backend);
  await writeAlerts(fx.server, simulateAlerts(400, { seed: 13 }));
}, 180_000);

afterAll(async () => {
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
}, 60_000);

describe(`surrounding alerts and permanent links (${backend} backend)`, () => {
  it('opens an alert’s page from Discover: its host’s alerts before and after, the query dropped, the alert highlighted; N in the URL; the link reopens it', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await page.goto(`${fx.server.url}/discover?q=${encodeURIComponent('rule.level:>=10')}`);
    await waitReady(page);
    // The third hit, so that there are alerts on both sides.
    const row = page.getByTestId('doc-row').nth(2);
    const id = (await row.getAttribute('data-id')) as string;
    await row.getByTestId('row-expand').click();
    await page.getByTestId('doc-link').click();
    await page.waitForSelector('[data-testid="doc-page"][data-ready="true"]');
    const url = new URL(page.url());
    expect(url.pathname).toBe('/doc');
    expect(url.searchParams.get('id')).toBe(id);
    const index = url.searchParams.get('index') as string;
    expect(index).toMatch(/^cwl-\d{4}\.\d{2}\.\d{2}$/);

    const expected = await apiContext(index, id, 5);
    const shownIds = await page.getByTestId('context-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(shownIds).toEqual([...expected.newer.map((h) => h.id).reverse(), id, ...expected.older.map((h) => h.id)]);
    expect(expected.older).toHaveLength(5);
    // The query is dropped: the surrounding alerts include levels below 10, all on the anchor's host.
    const around = [...expected.newer, ...expected.older];
    expect(around.some((h) => Number((h.document['rule'] as { level?: number }).level) < 10)).toBe(true);
    expect(new Set(around.map((h) => h.document['@log_stream'])).size).toBe(1);
    const anchorRow = page.locator('[data-testid="context-row"][aria-current="true"]');
    expect(await anchorRow.getAttribute('data-id')).toBe(id);
    expect(await anchorRow.getAttribute('class')).toContain('anchor');

    await page.getByTestId('context-size').selectOption('10');
    await expect.poll(() => page.getByTestId('context-row').count(), { timeout: 15_000 }).toBeGreaterThan(11);
    expect(new URL(page.url()).searchParams.get('n')).toBe('10');
    const wider = await apiContext(index, id, 10);
    expect(await page.getByTestId('context-row').count()).toBe(wider.newer.length + 1 + wider.older.length);

    // The permanent link, in a fresh context (a colleague's browser): the same document.
    const permalink = (await page.getByTestId('permalink').textContent()) as string;
    expect(permalink).toContain(`/doc?index=${index}&id=${id}`);
    const other = await fx.signedIn();
    await other.page.goto(permalink);
    await other.page.waitForSelector('[data-testid="doc-page"][data-ready="true"]');
    expect(await other.page.locator('[data-testid="context-row"][aria-current="true"]').getAttribute('data-id')).toBe(id);
    expect(await other.page.getByTestId('doc-detail').textContent()).toContain(id);

    // A link to no document says so.
    await other.page.goto(`${fx.server.url}/doc?index=${index}&id=nosuchdocument`);
    expect(await other.page.getByTestId('doc-error').textContent()).toContain('There is no document');
  });
});
}
