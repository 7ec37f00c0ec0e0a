/**
 * How the server serves the built UI (src/apps/server/ui-files.ts): index.html for the UI's pages,
 * hashed assets cached for good, the right content types, the CSP on every file, no inline script
 * in the page, nothing outside dist/web.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/apps/server/server.js';
import { createUiFiles, DEFAULT_UI_DIR } from '../../src/apps/server/ui-files.js';
import { DEFAULTS } from '../../src/config/server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hidsmon-ui-serving-'));
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ ...DEFAULTS, port: 0, dataDir: join(dir, 'data'), apiTokens: ['serving-token-Rv6Kq2Xm9Tz4Lw8Hn3'], accessKeys: [{ id: 'AKIAUISERVING000001', secret: 'serving-secret-Jb7Np3Wc5Yq8Fs2' }] }, { logger: pino({ level: 'silent' }), ui: createUiFiles() });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${server.url}${path}`);

describe('serving the UI', () => {
  it('serves index.html at / and at every page path, revalidated, under the strict CSP', async () => {
    const html = readFileSync(join(DEFAULT_UI_DIR, 'index.html'), 'utf8');
    for (const path of ['/', '/discover', '/dashboard?q=rule.level%3A%3E%3D10', '/some/deep/route']) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await r.text()).toBe(html);
    }
  });

  it('loads only external scripts and styles: the CSP forbids inline ones', () => {
    const html = readFileSync(join(DEFAULT_UI_DIR, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/assets\/[^"]+-[A-Za-z0-9_-]{8,}\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves hashed assets with their type, cached for good, and 404s for missing ones', async () => {
    const assets = readdirSync(join(DEFAULT_UI_DIR, 'assets'));
    const js = assets.find((a) => a.endsWith('.js')) as string;
    const css = assets.find((a) => a.endsWith('.css')) as string;
    for (const [name, type] of [
      [js, 'text/javascript; charset=utf-8'],
      [css, 'text/css; charset=utf-8'],
    ] as const) {
      const r = await get(`/assets/${name}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await r.arrayBuffer()).equals(readFileSync(join(DEFAULT_UI_DIR, 'assets', name)))).toBe(true);
    }
    expect((await get('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    expect((await get('/assets/index-0123456789.js')).status).toBe(404);
    expect((await get('/missing.png')).status).toBe(404);
  });

  it('never serves files outside dist/web', async () => {
    const ui = createUiFiles();
    for (const path of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/assets/../../package.json', '/.hidden', '/%00']) {
      const file = await ui(path);
      expect(file === undefined || new TextDecoder().decode(file.body as Uint8Array).startsWith('<!doctype html>')).toBe(true);
    }
    for (const path of ['/..%2fpackage.json', '/%2e%2e/package.json']) {
      const r = await get(path);
      expect(await r.text()).not.toContain('"name": "hidsmon"');
    }
  });
});
