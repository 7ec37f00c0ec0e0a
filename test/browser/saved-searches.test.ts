/**
 * Saved searches, saved queries and the query bar's suggestions in Chromium against a real server
 * with simulated alerts: a saved search (query, pill, columns, time) reopens the same view after a
 * restart of the server; it is renamed and deleted from the menu; a saved query opens the dashboard
 * applied (`?saved_query=<id>`); suggestions (field names, the field's top values, recent queries)
 * are taken by keyboard alone, with the combobox's ARIA state.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/apps/server/server.js';
import { builtUiFiles } from '../../src/apps/server/ui-files.js';
import { apiSearch, screenshot, simulateAlerts, startFixture, TOKEN, urlParams, waitReady, writeAlerts, type Fixture } from './harness.js';

let fx: Fixture;
let restarted: RunningServer | undefined;
const END = Date.now() - 30 * 60_000;
const FROM = new Date(END - 3 * 3_600_000).toISOString();
const TO = new Date(END + 10 * 60_000).toISOString();

beforeAll(async () => {
  fx = await startFixture('saved');
  await writeAlerts(fx.server, simulateAlerts(400, { seed: 13, endMs: END }));
}, 120_000);

afterAll(async () => {
  await restarted?.stop();
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
});

async function savedList(server: RunningServer, kind: 'searches' | 'queries'): Promise<any[]> {
  const r = await fetch(`${server.url}/api/saved/${kind}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const json = (await r.json()) as Record<string, any[]>;
  return json[kind === 'searches' ? 'saved_searches' : 'saved_queries']!;
}

describe('saved searches', () => {
  it('saves the view, reopens it after a server restart, renames and deletes it', { timeout: 180_000 }, async () => {
    const { page, context } = await fx.signedIn();
    const pill = JSON.stringify({ field: '@log_stream', value: 'i-0e427a8594852eca2', negate: true });
    const view = new URLSearchParams({ q: 'rule.level:>=5', from: FROM, to: TO, cols: 'rule.level,srcip,rule.comment', sort: 'rule.level:asc' });
    view.append('f', pill);
    await page.goto(`${fx.server.url}/discover?${view.toString()}`);
    await waitReady(page);
    const expected = await apiSearch(fx.server, { query: 'rule.level:>=5', filters: [{ bool: { must_not: [{ match_phrase: { '@log_stream': 'i-0e427a8594852eca2' } }] } }], from: FROM, to: TO, size: 0 });
    expect(expected.total).toBeGreaterThan(0);

    await page.getByTestId('saved-menu').click();
    await page.getByTestId('save-name').fill('Level 5+ <b>off the test host</b>');
    await page.getByTestId('save-submit').click();
    await expect.poll(() => page.getByTestId('saved-row').count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'saved-menu-1280x800');
    // The name is text, never markup.
    expect(await page.locator('.saved-popover b').count()).toBe(0);
    const [stored] = await savedList(fx.server, 'searches');
    expect(stored).toMatchObject({ name: 'Level 5+ <b>off the test host</b>', query: 'rule.level:>=5', columns: ['rule.level', 'srcip', 'rule.comment'], sort: [{ field: 'rule.level', order: 'asc' }], time: { from: FROM, to: TO } });
    await context.close();

    // A restart on the same data directory: a new process would open the same files.
    await fx.server.stop();
    const ui = builtUiFiles();
    restarted = await startServer({ ...fx.server.config, port: 0 }, { logger: pino({ level: 'silent' }), ...(ui ? { ui } : {}) });
    expect(await savedList(restarted, 'searches')).toEqual([stored]);

    const fresh = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await fresh.newPage();
      await p.goto(restarted.newLoginUrl('viewer'));
      await p.waitForSelector('.app');
      await p.goto(`${restarted.url}/discover`);
      await waitReady(p);
      await p.getByTestId('saved-menu').click();
      await p.getByTestId('saved-open').filter({ hasText: 'Level 5+' }).click();
      await expect.poll(() => urlParams(p).get('q')).toBe('rule.level:>=5');
      const params = urlParams(p);
      expect(params.get('from')).toBe(FROM);
      expect(params.get('to')).toBe(TO);
      expect(params.get('cols')).toBe('rule.level,srcip,rule.comment');
      expect(params.get('sort')).toBe('rule.level:asc');
      expect(params.getAll('f').map((f) => JSON.parse(f))).toEqual([JSON.parse(pill)]);
      await waitReady(p);
      expect(Number(await p.getAttribute('[data-testid="hit-count"]', 'data-total'))).toBe(expected.total);
      expect(await p.getByTestId('query-input').inputValue()).toBe('rule.level:>=5');

      // A viewer did not make it: renaming is refused, with the reason shown.
      await p.getByTestId('saved-menu').click();
      await p.getByTestId('saved-rename').click();
      await p.getByTestId('saved-rename-input').fill('Mine');
      await p.getByTestId('saved-rename-submit').click();
      await expect.poll(async () => (await p.getByTestId('saved-problem').textContent()) ?? '', { timeout: 15_000 }).toContain('only its maker or an admin');
    } finally {
      await fresh.close();
    }

    // The admin (whose token made it) renames and deletes it.
    const admin = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await admin.newPage();
      await p.goto(restarted.newLoginUrl('admin'));
      await p.waitForSelector('.app');
      await p.getByTestId('saved-menu').click();
      await p.getByTestId('saved-rename').click();
      await p.getByTestId('saved-rename-input').fill('Level 5+ elsewhere');
      await p.getByTestId('saved-rename-submit').click();
      await expect.poll(async () => (await p.getByTestId('saved-open').allTextContents()).join('|'), { timeout: 15_000 }).toBe('Level 5+ elsewhere');
      await p.getByTestId('saved-delete').click();
      await p.getByTestId('saved-delete-confirm').click();
      await expect.poll(() => p.getByTestId('saved-row').count(), { timeout: 15_000 }).toBe(0);
      expect(await savedList(restarted, 'searches')).toEqual([]);
      const audit = await fetch(`${restarted.url}/api/audit?action=savedSearch:*`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<{ entries: Array<{ action: string; outcome: string }> }>);
      expect(audit.entries.map((e) => `${e.action} ${e.outcome}`)).toEqual(['savedSearch:Delete allowed', 'savedSearch:Rename allowed', 'savedSearch:Rename denied', 'savedSearch:Create allowed']);
    } finally {
      await admin.close();
    }
  });

  it('opens the dashboard with a saved query applied from a link', { timeout: 120_000 }, async () => {
    const server = restarted ?? fx.server;
    const created = await fetch(`${server.url}/api/saved/queries`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Severe', query: 'rule.level:>=10', filters: [] }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await context.newPage();
      await p.goto(server.newLoginUrl('viewer'));
      await p.waitForSelector('.app');
      await p.goto(`${server.url}/dashboard?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}&saved_query=${created.id}`);
      await expect.poll(() => urlParams(p).get('q'), { timeout: 15_000 }).toBe('rule.level:>=10');
      expect(new URL(p.url()).pathname).toBe('/dashboard');
      expect(urlParams(p).get('from')).toBe(FROM);
      await waitReady(p, 'dashboard');
      const expected = await apiSearch(server, { query: 'rule.level:>=10', from: FROM, to: TO, size: 0 });
      await expect.poll(async () => Number(await p.getAttribute('[data-testid="metric-total"]', 'data-value')), { timeout: 15_000 }).toBe(expected.total);
    } finally {
      await context.close();
    }
  });
});

describe('query bar suggestions', () => {
  it('suggests field names, top values and recent queries, taken by keyboard', { timeout: 120_000 }, async () => {
    const server = restarted ?? fx.server;
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await context.newPage();
      await p.goto(server.newLoginUrl('viewer'));
      await p.waitForSelector('.app');
      await p.goto(`${server.url}/discover?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`);
      await waitReady(p);
      const input = p.getByTestId('query-input');
      const list = p.getByTestId('query-suggestions');
      await input.click();
      await p.keyboard.type('rule.lev');
      await expect.poll(async () => (await list.locator('[role="option"]').allTextContents()).some((t) => t.startsWith('rule.level')), { timeout: 15_000 }).toBe(true);
      expect(await input.getAttribute('aria-expanded')).toBe('true');
      await p.keyboard.press('ArrowDown');
      const activeId = await input.getAttribute('aria-activedescendant');
      expect(activeId).toBe('query-suggestion-0');
      expect(await p.locator(`#${activeId}`).getAttribute('aria-selected')).toBe('true');
      await p.keyboard.press('Enter');
      expect(await input.inputValue()).toBe('rule.level:');

      // The field's top values follow, most frequent first, as /api/fields/top has them.
      const top = await fetch(`${server.url}/api/fields/top`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ field: 'rule.level', query: '', from: FROM, to: TO, size: 50 }) }).then((r) => r.json() as Promise<{ values: Array<{ value: number }> }>);
      await expect.poll(async () => (await list.locator('[role="option"] .suggestion-label').allTextContents()).slice(0, 3), { timeout: 15_000 }).toEqual(top.values.slice(0, 3).map((v) => String(v.value)));
      await p.keyboard.press('ArrowDown');
      await p.keyboard.press('ArrowDown');
      await screenshot(p, 'query-suggestions-1280x800');
      await p.keyboard.press('ArrowUp');
      await p.keyboard.press('Tab');
      expect(await input.inputValue()).toBe(`rule.level:${top.values[0]!.value} `);
      // Focus stayed in the input: Tab took the suggestion instead of moving on.
      expect(await p.evaluate("document.activeElement?.getAttribute('data-testid')")).toBe('query-input');

      await p.keyboard.type('AND src');
      await expect.poll(async () => (await list.locator('[role="option"]').count()) > 0, { timeout: 15_000 }).toBe(true);
      await p.keyboard.press('Escape');
      expect(await input.getAttribute('aria-expanded')).toBe('false');
      expect(await list.isHidden()).toBe(true);
      await p.keyboard.press('Enter');
      const ran = `rule.level:${top.values[0]!.value} AND src`;
      await expect.poll(() => urlParams(p).get('q')).toBe(ran);

      // A recent query comes back on an empty bar.
      await input.fill('');
      await p.keyboard.press('ArrowDown');
      await expect.poll(async () => list.locator('[role="option"][data-kind="recent"]').allTextContents(), { timeout: 15_000 }).toEqual([`${ran}recent`]);
      await p.keyboard.press('ArrowDown');
      await p.keyboard.press('Enter');
      expect(await input.inputValue()).toBe(ran);
    } finally {
      await context.close();
    }
  });
});
