/**
 * Roles through the UI in Chromium: a viewer token (made in the credential store) signed in
 * through the sign-in form shows its role, lists the indices with the delete control disabled and
 * no keys, and the same delete or keys request sent from the page with its session is refused 403
 * by the server; an admin session deletes an index from the UI (the API confirms it is gone) and
 * sees the keys by id, without secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../src/core/ids.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';
import { KEY, LOG_GROUP, simulateAlerts, startFixture, TOKEN, waitReady, watchPage, writeAlerts, type Fixture } from './harness.js';

const OLD_DAYS = [Date.UTC(2026, 0, 10, 12), Date.UTC(2026, 0, 11, 12)];
const KEPT = 'cwl-2026.01.10';
const DOOMED = 'cwl-2026.01.11';

let fx: Fixture;

async function indexNames(): Promise<string[]> {
  const response = await fetch(`${fx.server.url}/api/indices`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { indices: Array<{ name: string }> }).indices.map((i) => i.name);
}

beforeAll(async () => {
  fx = await startFixture('roles');
  await writeAlerts(fx.server, simulateAlerts(200, { seed: 9 }));
  await fx.server.index.write(
    OLD_DAYS.map((t, i) => documentFromLogEvent({ eventId: cloudWatchEventId(t, i), timestampMs: t, message: '{"rule":{"level":3,"comment":"old"}}', owner: fx.server.config.owner, logGroup: LOG_GROUP, logStream: 'i-0old' })),
  );
  expect(await indexNames()).toEqual(expect.arrayContaining([KEPT, DOOMED]));
}, 120_000);

afterAll(async () => {
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
});

describe('roles in the UI', () => {
  it('a viewer token signed in through the form sees its role, cannot delete an index or list keys, and the API refuses both to its session', { timeout: 120_000 }, async () => {
    const viewer = fx.server.credentials.store.createApiToken({ role: 'viewer', description: 'browser roles test' });
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    watchPage(page, fx.pageErrors);
    await page.goto(`${fx.server.url}/discover`);
    await page.getByTestId('token-input').fill(viewer.secret);
    await page.getByTestId('token-input').press('Enter');
    await waitReady(page);
    expect(page.url()).not.toContain(viewer.secret);
    expect(await page.getByTestId('role').textContent()).toBe('viewer');
    await page.getByTestId('open-indices').click();
    await page.waitForSelector('[data-testid="indices-panel"][data-ready="true"]');
    expect(await page.getByTestId('indices-viewer-note').textContent()).toContain('needs the admin role');
    const row = page.locator(`[data-testid="index-row"][data-index="${KEPT}"]`);
    const button = row.getByTestId('delete-index');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toBe('Deleting an index needs the admin role');
    // Every delete control is disabled, not only this one.
    for (const b of await page.getByTestId('delete-index').all()) expect(await b.isDisabled()).toBe(true);

    // The control is only a courtesy: the server refuses the same request from this session.
    const refused = await page.evaluate(async (name) => {
      const r = await fetch(`/api/indices/${name}`, { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin' });
      return { status: r.status, body: (await r.json()) as { error: Record<string, unknown> } };
    }, KEPT);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ kind: 'forbidden', required_role: 'admin', role: 'viewer' });
    expect(await indexNames()).toContain(KEPT);
    expect(await page.getByTestId('keys-viewer-note').textContent()).toContain('needs the admin role');
    expect(await page.getByTestId('key-row').count()).toBe(0);
    expect(await page.evaluate(async () => (await fetch('/api/keys', { credentials: 'same-origin' })).status)).toBe(403);
    await context.close();
  });

  it('an admin sees its role and deletes an index from the UI (after naming it); the API confirms it is gone', { timeout: 120_000 }, async () => {
    const { page } = await fx.signedIn();
    await waitReady(page);
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    await page.getByTestId('open-indices').click();
    await page.waitForSelector('[data-testid="indices-panel"][data-ready="true"]');
    expect(await page.getByTestId('indices-viewer-note').count()).toBe(0);
    const row = page.locator(`[data-testid="index-row"][data-index="${DOOMED}"]`);
    await row.getByTestId('delete-index').click();
    const confirm = row.getByTestId('confirm-delete-index');
    expect(await confirm.textContent()).toBe(`Delete ${DOOMED}`);
    await confirm.click();
    await page.locator(`[data-testid="index-row"][data-index="${DOOMED}"]`).waitFor({ state: 'detached' });
    const names = await indexNames();
    expect(names).not.toContain(DOOMED);
    expect(names).toContain(KEPT);

    // The keys, by id: the harness's access key and the viewer token made above; no secret on the page.
    await page.waitForSelector('[data-testid="keys-list"][data-ready="true"]');
    await page.locator(`[data-testid="key-row"][data-id="${KEY.id}"]`).waitFor();
    const viewerRow = page.locator('[data-testid="key-row"]', { hasText: 'viewer' });
    expect(await viewerRow.count()).toBeGreaterThan(0);
    const text = (await page.getByTestId('indices-panel').textContent()) as string;
    expect(text).not.toContain(KEY.secret);
    expect(text).not.toContain(TOKEN);
  });
});
