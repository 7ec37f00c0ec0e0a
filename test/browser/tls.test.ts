/**
 * The UI over HTTPS in Chromium, with `tls: auto`: Chromium trusts the server's self-signed
 * certificate by its public key's pin (--ignore-certificate-errors-spki-list, as an operator
 * checks the printed fingerprint), signs in through the one-time link, gets a Secure session
 * cookie, and Discover shows what the API counts; the sign-in form works too; typing http://
 * lands on https://.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/apps/server/server.js';
import { builtUiFiles } from '../../src/apps/server/ui-files.js';
import { DEFAULTS, type ServerConfig } from '../../src/config/server-config.js';
import { CHROMIUM, CHROMIUM_ARGS, KEY, requireChromium, screenshot, shownTotal, simulateAlerts, TOKEN, watchPage, writeAlerts } from './harness.js';

const ALERTS = simulateAlerts(300);
const dir = mkdtempSync(join(tmpdir(), 'hidsmon-ui-tls-'));
let server: RunningServer;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  requireChromium();
  const ui = builtUiFiles();
  if (!ui) throw new Error('The web UI is not built (dist/web/index.html is missing). Run `npm run build` first; `npm test` does.');
  server = await startServer({ ...DEFAULTS, port: 0, dataDir: join(dir, 'data'), accessKeys: [KEY], apiTokens: [TOKEN], retentionDays: 0, tls: { mode: 'auto' } } as ServerConfig, { logger: pino({ level: 'silent' }), ui });
  await writeAlerts(server, ALERTS);
  const pin = server.tls?.spkiSha256;
  if (!pin) throw new Error('The server did not start with TLS.');
  // The pin, not --ignore-certificate-errors: any other certificate would still be refused.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${pin}`], timeout: 60_000 });
}, 120_000);
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
}, 60_000);

describe('the UI over HTTPS', { timeout: 120_000 }, () => {
  it('signs in through the one-time link, with a Secure cookie, and Discover shows what the API counts', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      watchPage(page, pageErrors);
      const responses: Array<{ url: string; hsts: string | undefined }> = [];
      page.on('response', (r) => responses.push({ url: r.url(), hsts: r.headers()['strict-transport-security'] }));
      await page.goto(server.newLoginUrl());
      await page.waitForSelector('.app', { timeout: 30_000 });
      expect(new URL(page.url()).protocol).toBe('https:');

      const cookies = await context.cookies(server.url);
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) {
        expect(cookie.secure).toBe(true);
        expect(cookie.httpOnly).toBe(true);
      }
      // Every answer the page got (the document, its scripts, the API) carried HSTS.
      expect(responses.length).toBeGreaterThan(1);
      for (const r of responses) expect(r.hsts, r.url).toBe('max-age=31536000');

      await page.goto(`${server.url}/discover?from=now-24h&to=now`);
      expect(await shownTotal(page)).toBe(ALERTS.length);
      await screenshot(page, 'tls-discover');
    } finally {
      await context.close();
    }
  });

  it('the sign-in form (it POSTs the API token) works over HTTPS and sets a Secure cookie', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      watchPage(page, pageErrors);
      await page.goto(`${server.url}/discover?from=now-24h&to=now`);
      await page.getByTestId('token-input').fill(TOKEN);
      await page.getByTestId('token-input').press('Enter');
      expect(await shownTotal(page)).toBe(ALERTS.length);
      expect(page.url()).not.toContain(TOKEN);
      const cookies = await context.cookies(server.url);
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie.secure).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('an http:// address on the TLS port lands on the https page', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      watchPage(page, pageErrors);
      const plain = server.url.replace(/^https:/, 'http:');
      await page.goto(`${plain}/discover`);
      expect(page.url()).toBe(`${server.url}/discover`);
    } finally {
      await context.close();
    }
  });
});
