/**
 * Alert text is attacker-controlled. An alert whose full_log, user names, comment, URL and other
 * fields hold script and markup, shipped through PutLogEvents, shows as the characters typed in
 * every view (table, document, JSON, sidebar, pills, dashboard) and injects nothing: no dialog, no
 * element the app did not make. And without a session the UI says how to sign in.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSearch, shipEvents, shownTotal, simulateAlerts, startFixture, TOKEN, urlParams, waitReady, watchPage, writeAlerts, type Fixture } from './harness.js';

const SID = 99_001;
const STREAM = 'i-0badc0ffee0000001';

/** The hostile values, field by field, exactly as the alert carries them. */
const HOSTILE = {
  full_log: 'Nov 26 10:00:00 web sshd[1]: Invalid user <script>alert(1)</script><img src=x onerror=alert(2)> from 10.9.9.9',
  srcuser: '<img src=x onerror=alert(2)>',
  dstuser: '"><svg onload=alert(3)><a href="javascript:alert(3)">x</a>',
  url: 'javascript:alert(5)',
  location: '<style>*{display:none}</style>/var/log/secure',
  hostname: "{{constructor.constructor('alert(6)')()}}",
  program_name: '&lt;b&gt;not bold&lt;/b&gt; &amp; <!-- comment -->',
  comment: '<b>bold</b><iframe src="javascript:alert(4)"></iframe>',
} as const;

const COLUMNS = ['rule.level', 'rule.comment', 'srcuser', 'dstuser', 'full_log', 'url', 'location', 'hostname', 'program_name'];

/**
 * Records, from before the app runs, every element added below the static page (the parser's
 * head and body children are skipped: the app renders only inside #root) as its tag, attribute
 * names, class, src and href; and every on* attribute set later. Attribute values are not matched:
 * a title or aria-label holding hostile text is text.
 */
const RECORDER = `
  window.__added = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && /^on/i.test(r.attributeName || '')) window.__added.push({ tag: 'attribute', attrs: [r.attributeName] });
      if (r.target === document || r.target === document.documentElement || r.target === document.head || r.target === document.body) continue;
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        for (const e of [n, ...n.querySelectorAll('*')]) {
          window.__added.push({ tag: e.tagName.toLowerCase(), attrs: [...e.attributes].map((a) => a.name), cls: e.getAttribute('class'), src: e.getAttribute('src'), href: e.getAttribute('href') });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
`;

interface Added {
  tag: string;
  attrs: string[];
  cls: string | null;
  src: string | null;
  href: string | null;
}

/** Tags this UI never makes; its forms, images and links are few and known; no element of it has an on* attribute. */
const FORBIDDEN_TAGS = new Set(['script', 'iframe', 'frame', 'style', 'b', 'i', 'object', 'embed', 'base', 'meta', 'link', 'template', 'video', 'audio', 'math']);
const OWN_FORMS = new Set(['query-field', 'popover-section absolute-range']);

let fx: Fixture;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  fx = await startFixture('security');
  await writeAlerts(fx.server, simulateAlerts(500, { seed: 5 }));
  const now = Date.now() - 60_000;
  const alert = {
    rule: { level: 12, comment: HOSTILE.comment, sidid: SID, firedtimes: 1, groups: ['syslog', 'sshd', '<img src=x onerror=alert(7)>'] },
    id: `${Math.floor(now / 1000)}.4242`,
    TimeStamp: now,
    decoder: 'sshd',
    srcip: '10.9.9.9',
    srcuser: HOSTILE.srcuser,
    dstuser: HOSTILE.dstuser,
    url: HOSTILE.url,
    location: HOSTILE.location,
    full_log: HOSTILE.full_log,
    hostname: HOSTILE.hostname,
    program_name: HOSTILE.program_name,
  };
  await shipEvents(fx.server, STREAM, [{ timestamp: now, message: JSON.stringify(alert) }]);
  ({ context, page } = await fx.signedIn());
  await context.addInitScript(RECORDER);
  context.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
}, 180_000);
afterAll(async () => {
  await fx?.close();
  expect(fx?.pageErrors ?? []).toEqual([]);
}, 60_000);

async function injected(p: Page): Promise<Added[]> {
  const added = (await p.evaluate('window.__added')) as Added[];
  return added.filter(
    (e) =>
      FORBIDDEN_TAGS.has(e.tag) ||
      e.attrs.some((a) => /^on/i.test(a)) ||
      (e.tag === 'form' && !OWN_FORMS.has(e.cls ?? '')) ||
      (e.tag === 'img' && e.src !== '/favicon.svg') ||
      // The app's own links (the nav's pages, a document's page) carry the view state.
      (e.tag === 'a' && !/^\/(discover|dashboard|ingest|audit|fleet|detections|doc)\?/.test(e.href ?? '')),
  );
}

async function expectNothingInjected(p: Page): Promise<void> {
  expect(dialogs).toEqual([]);
  expect(await injected(p)).toEqual([]);
  // The document as a whole: one script (the bundle), no frames, no bold, no event handlers.
  expect(await p.evaluate("document.querySelectorAll('script').length")).toBe(1);
  expect(await p.evaluate("document.querySelectorAll('#root iframe, #root b, #root style, #root script, #root a[href^=javascript], [onerror], [onload]').length")).toBe(0);
  expect(await p.evaluate("[...document.querySelectorAll('img')].every((i) => i.getAttribute('src') === '/favicon.svg')")).toBe(true);
}

describe('hostile alert text', { timeout: 120_000 }, () => {
  it('shows every value as typed in the table, the document and its JSON, and injects nothing', { timeout: 120_000 }, async () => {
    const api = await apiSearch(fx.server, { query: `rule.sidid:${SID}`, from: 'now-24h', to: 'now', size: 1 });
    expect(api.total).toBe(1);
    const doc = api.hits[0].document;
    expect(doc.srcuser).toBe(HOSTILE.srcuser);
    expect(doc.full_log).toBe(HOSTILE.full_log);

    await page.goto(`${fx.server.url}/discover?${new URLSearchParams({ q: `rule.sidid:${SID}`, from: 'now-24h', to: 'now', cols: COLUMNS.join(',') }).toString()}`);
    expect(await shownTotal(page)).toBe(1);
    const cell = (field: string) => page.locator(`td[data-field="${field}"] .cell-text`).first();
    expect(await cell('rule.comment').textContent()).toBe(HOSTILE.comment);
    for (const field of ['srcuser', 'dstuser', 'full_log', 'url', 'location', 'hostname', 'program_name'] as const) {
      expect(await cell(field).textContent()).toBe(HOSTILE[field]);
      // Text nodes only: the cell holds no element made from the value.
      expect(await cell(field).evaluate((e) => e.childElementCount)).toBe(0);
    }

    await page.getByTestId('row-expand').first().click();
    const value = (field: string) => page.locator(`[data-testid="detail-field"][data-field="${field}"] [data-testid="detail-value"]`);
    for (const field of ['srcuser', 'dstuser', 'full_log', 'url', 'location', 'hostname', 'program_name'] as const) expect(await value(field).textContent()).toBe(HOSTILE[field]);
    expect(await value('rule.comment').textContent()).toBe(HOSTILE.comment);
    expect(await page.locator('[data-testid="detail-field"][data-field="rule.groups"] .chip-text').allTextContents()).toEqual(['syslog', 'sshd', '<img src=x onerror=alert(7)>']);
    await page.getByTestId('detail-tab-json').click();
    expect(JSON.parse((await page.getByTestId('doc-json').textContent()) as string)).toEqual(doc);
    await expectNothingInjected(page);

    // The whole-document view (no columns) too.
    await page.goto(`${fx.server.url}/discover?${new URLSearchParams({ q: `rule.sidid:${SID}`, from: 'now-24h', to: 'now', cols: '' }).toString()}`);
    await waitReady(page);
    const summary = (await page.locator('.doc-summary').first().textContent()) as string;
    for (const text of [HOSTILE.srcuser, HOSTILE.full_log, HOSTILE.comment, HOSTILE.location]) expect(summary).toContain(text);
    await expectNothingInjected(page);

    // The recorder sees what the app renders, and would see an injected element: a control.
    const added = (await page.evaluate('window.__added')) as Added[];
    expect(added.filter((e) => e.tag === 'tr').length).toBeGreaterThan(0);
    await page.evaluate("document.querySelector('.doc-summary').appendChild(document.createElement('img')).setAttribute('src', 'x')");
    await expect.poll(async () => (await injected(page)).map((e) => `${e.tag} ${e.src}`)).toEqual(['img x']);
  });

  it('filters on a hostile value: the pill, the URL and the sidebar show it as typed', { timeout: 120_000 }, async () => {
    // Sudo alerts (level 3) carry a few user names: the hostile one is among the top 5.
    const q = `rule.sidid:${SID} OR rule.level:3`;
    await page.goto(`${fx.server.url}/discover?${new URLSearchParams({ q, from: 'now-24h', to: 'now', cols: 'rule.level,srcuser,full_log' }).toString()}`);
    expect(await shownTotal(page)).toBeGreaterThan(1);
    await waitReady(page);
    await page.locator('[data-testid="sidebar-field"][data-field="srcuser"] .field-name').click();
    const top = page.locator(`[data-testid="field-details"][data-field="srcuser"] [data-testid="top-value"][data-value="${HOSTILE.srcuser.replace(/"/g, '\\"')}"]`);
    await top.waitFor();
    expect(await top.locator('.top-value-text').textContent()).toBe(HOSTILE.srcuser);
    await top.hover();
    await top.getByTestId('filter-for').click();
    const pill = page.getByTestId('filter-pill');
    await pill.waitFor();
    expect(await pill.locator('.pill-value').textContent()).toBe(HOSTILE.srcuser);
    expect(JSON.parse(urlParams(page).get('f') as string)).toEqual({ field: 'srcuser', value: HOSTILE.srcuser });
    expect(await shownTotal(page)).toBe(1);

    // The link with the hostile pill, opened afresh.
    await page.goto(page.url());
    await waitReady(page);
    expect(await page.getByTestId('filter-pill').locator('.pill-value').textContent()).toBe(HOSTILE.srcuser);
    expect(await shownTotal(page)).toBe(1);
    await expectNothingInjected(page);
  });

  it('shows hostile values as text on the dashboard', { timeout: 120_000 }, async () => {
    await page.goto(`${fx.server.url}/dashboard?${new URLSearchParams({ q: `rule.sidid:${SID}`, from: 'now-24h', to: 'now' }).toString()}`);
    await waitReady(page, 'dashboard');
    expect(await page.locator('[data-testid="top-types"] .bar-text').allTextContents()).toEqual([HOSTILE.comment]);
    await page.locator('[data-testid="top-types"] .bar-main').first().click();
    await page.waitForSelector('[data-testid="filter-pill"][data-field="rule.comment"]');
    await waitReady(page, 'dashboard');
    expect(await page.getByTestId('filter-pill').locator('.pill-value').textContent()).toBe(HOSTILE.comment);
    expect(await page.getAttribute('[data-testid="metric-total"]', 'data-value')).toBe('1');
    await expectNothingInjected(page);
  });
});

describe('signing in', { timeout: 120_000 }, () => {
  it('without a session, says how to sign in; the API token form signs in and returns to the same view', { timeout: 120_000 }, async () => {
    const fresh = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await fresh.newPage();
      watchPage(p, fx.pageErrors);
      const view = `/dashboard?${new URLSearchParams({ q: 'rule.level:>=10', from: 'now-24h', to: 'now' }).toString()}`;
      await p.goto(`${fx.server.url}${view}`);
      const signIn = p.getByTestId('sign-in');
      await signIn.waitFor();
      const text = (await signIn.textContent()) as string;
      expect(text).toContain('Sign in to hidsmon');
      expect(text).toContain('login link the server printed');
      expect(text).toContain('never goes in a URL');
      // The form POSTs the token: it never shows in the address bar. A wrong one: the server's page says so.
      await p.getByTestId('token-input').fill('not-the-token');
      await p.getByTestId('token-input').press('Enter');
      await p.waitForURL(/\/login$/);
      expect(await p.textContent('h1')).toBe('This API token does not work');

      // The token in a URL, as the old form sent it, is refused.
      const inUrl = await p.goto(`${fx.server.url}/login?token=${TOKEN}`);
      expect(inUrl?.status()).toBe(401);
      expect(await p.textContent('h1')).toBe('API tokens do not go in URLs');

      await p.goto(`${fx.server.url}${view}`);
      await p.getByTestId('token-input').fill(TOKEN);
      await p.getByTestId('token-input').press('Enter');
      await waitReady(p, 'dashboard');
      expect(new URL(p.url()).pathname).toBe('/dashboard');
      expect(p.url()).not.toContain(TOKEN);
      expect(await p.getByTestId('query-input').inputValue()).toBe('rule.level:>=10');

      // Signing out ends the session: the sign-in page again.
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.getByTestId('sign-in').waitFor();
      await p.reload();
      await p.getByTestId('sign-in').waitFor();
    } finally {
      await fresh.close();
    }
  });

  it('a one-time login link works once', { timeout: 60_000 }, async () => {
    const link = fx.server.newLoginUrl();
    const first = await fx.browser.newContext();
    const second = await fx.browser.newContext();
    try {
      const a = await first.newPage();
      await a.goto(link);
      await waitReady(a);
      const b = await second.newPage();
      const response = await b.goto(link);
      expect(response?.status()).toBe(401);
      expect(await b.textContent('h1')).toBe('This login link does not work');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
