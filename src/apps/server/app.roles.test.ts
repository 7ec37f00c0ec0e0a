/**
 * Least privilege in the query API, over real HTTP with a real embedded index: a viewer token
 * reads (search, fields, top values, indices, ingest state) and is refused (403, naming the role
 * needed) every admin route (index deletion, dead letters, settings, keys, audit); an admin token
 * may do both; a session has the role of the token that made it. The API token is refused in a
 * URL; the sign-in form POSTs it (same origin only); the redirect after sign-in stays on the site.
 * Logins and index deletions reach the audit recorder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameSecret, Sessions, TrustedNetworks } from '../../api/access.js';
import type { DeadLetterInfo } from '../../api/contract.js';
import type { AuditEntry } from '../../core/audit.js';
import { cloudWatchEventId } from '../../core/ids.js';
import type { Principal } from '../../core/principal.js';
import { DEFAULT_LIMITS } from '../../config/server-config.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { serverMetrics } from '../../telemetry/metrics.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { createApp } from './app.js';

const VIEWER = 'viewer-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const TOKENS: Array<{ secret: string; principal: Principal }> = [
  { secret: VIEWER, principal: { kind: 'api-token', id: 'tok-viewer', role: 'viewer' } },
  { secret: ADMIN, principal: { kind: 'api-token', id: 'tok-admin', role: 'admin' } },
];
const DAY_MS = Date.UTC(2026, 10, 30, 12);
const INDEX = 'cwl-2026.11.30';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-roles-'));
let index: DuckDbStore;
let server: ServerType;
let url: string;
let sessions: Sessions;
const audit: AuditEntry[] = [];
const letter = (id: number): DeadLetterInfo => ({ id, time_ms: DAY_MS, destination: 'arn:hidsmon:sink:embedded', reason: 'mapping', log_group: 'g', log_stream: 's', event_id: String(id), timestamp: DAY_MS, message: '{}' });
let deadLetters = [letter(1), letter(2)];

beforeAll(async () => {
  index = await DuckDbStore.open({ path: join(tmp, 'index.duckdb'), now: Date.now, limits: DEFAULT_LIMITS });
  sessions = new Sessions(Date.now);
  const app = createApp({
    backend: index,
    now: Date.now,
    metrics: serverMetrics(),
    trusted: new TrustedNetworks(['127.0.0.0/8', '::1/128']),
    sessions,
    authenticateToken: (secret) => TOKENS.find((t) => sameSecret(t.secret, secret))?.principal,
    audit: { record: (entry) => audit.push(entry) },
    cloudWatch: async () => ({ status: 400, headers: {}, body: '{}' }),
    ingestStatus: async () => ({ log: { groups: 1, streams: 0, events: 0, stored_bytes: 0, last_sequence: 0 }, streams: [], forwarder: [], dead_letters: 0 }),
    deadLetters: async (limit) => deadLetters.slice(0, limit),
    removeDeadLetters: async (ids) => {
      const before = deadLetters.length;
      deadLetters = deadLetters.filter((d) => !ids.includes(d.id));
      return before - deadLetters.length;
    },
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await index.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function writeDay(): Promise<void> {
  await index.write([documentFromLogEvent({ eventId: cloudWatchEventId(DAY_MS, 0), timestampMs: DAY_MS, message: '{"rule":{"level":5}}', owner: '1', logGroup: 'g', logStream: 's' })]);
}

type Auth = { bearer: string } | { cookie: string };
async function call(auth: Auth, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = 'bearer' in auth ? { Authorization: `Bearer ${auth.bearer}` } : { Cookie: auth.cookie };
  if (body !== undefined || method !== 'GET') headers['Content-Type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  return { status: response.status, json: (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

const VIEWER_ROUTES: Array<[string, string, unknown?]> = [
  ['POST', '/api/search', { query: '*', from: DAY_MS - 3_600_000, to: DAY_MS + 3_600_000, aggregations: { levels: { type: 'terms', field: 'rule.level' } } }],
  ['GET', '/api/fields'],
  ['POST', '/api/fields/top', { field: 'rule.level', from: DAY_MS - 3_600_000, to: DAY_MS + 3_600_000 }],
  ['GET', '/api/indices'],
  ['GET', '/api/ingest'],
  ['GET', '/api/openapi.json'],
  ['GET', '/metrics'],
];
const ADMIN_ROUTES: Array<[string, string]> = [
  ['DELETE', `/api/indices/${INDEX}`],
  ['GET', '/api/dead-letters'],
  ['DELETE', '/api/dead-letters/1'],
  ['GET', '/api/settings'],
  ['GET', '/api/keys'],
  ['GET', '/api/audit'],
];

/** A session cookie signed in through the form's JSON variant with `token`. */
async function signIn(token: string): Promise<string> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
  expect(response.status).toBe(200);
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!;
}

describe('roles: viewer and admin tokens', () => {
  it.each(VIEWER_ROUTES)('a viewer token may %s %s', async (method, path, body) => {
    await writeDay();
    const r = await call({ bearer: VIEWER }, method, path, body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  });

  it.each(ADMIN_ROUTES)('a viewer token is refused %s %s with 403 naming the admin role', async (method, path) => {
    const r = await call({ bearer: VIEWER }, method, path);
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ kind: 'forbidden', required_role: 'admin', role: 'viewer' });
    expect(r.json.error.message).toMatch(/needs the admin role; token tok-viewer has viewer/);
  });

  it('a viewer token cannot delete an index (it is still there, and the refusal is audited); an admin token can', async () => {
    await writeDay();
    audit.length = 0;
    expect((await call({ bearer: VIEWER }, 'DELETE', `/api/indices/${INDEX}`)).status).toBe(403);
    expect((await call({ bearer: VIEWER }, 'GET', '/api/indices')).json.indices.map((i: { name: string }) => i.name)).toContain(INDEX);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'index:Delete', outcome: 'denied', actor: expect.objectContaining({ id: 'tok-viewer' }), sourceIp: expect.stringMatching(/127\.0\.0\.1/) }));
    expect((await call({ bearer: VIEWER }, 'GET', '/api/keys')).status).toBe(403);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'keys:List', outcome: 'denied', actor: expect.objectContaining({ id: 'tok-viewer' }) }));

    const deleted = await call({ bearer: ADMIN }, 'DELETE', `/api/indices/${INDEX}`);
    expect(deleted).toEqual({ status: 200, json: { deleted: INDEX } });
    expect((await call({ bearer: VIEWER }, 'GET', '/api/indices')).json.indices.map((i: { name: string }) => i.name)).not.toContain(INDEX);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'index:Delete', resource: INDEX, outcome: 'allowed', actor: expect.objectContaining({ kind: 'api-token', id: 'tok-admin' }) }));
  });

  it('an admin token may list and remove dead letters, and is not refused settings or keys', async () => {
    expect((await call({ bearer: ADMIN }, 'GET', '/api/dead-letters')).json.dead_letters.length).toBeGreaterThan(0);
    expect(await call({ bearer: ADMIN }, 'DELETE', '/api/dead-letters/2')).toEqual({ status: 200, json: { removed: 2 } });
    expect((await call({ bearer: ADMIN }, 'DELETE', '/api/dead-letters/2')).status).toBe(404);
    for (const path of ['/api/settings', '/api/keys', '/api/audit']) expect((await call({ bearer: ADMIN }, 'GET', path)).status, path).not.toBe(403);
  });

  it('a wrong bearer token is 401 even beside a good session cookie', async () => {
    const cookie = await signIn(ADMIN);
    const response = await fetch(`${url}/api/indices`, { headers: { Authorization: 'Bearer not-a-token-0123456789', Cookie: cookie } });
    expect(response.status).toBe(401);
  });
});

describe('roles: sessions', () => {
  it('a session has the role of the token that signed it in', async () => {
    const viewer = await signIn(VIEWER);
    const admin = await signIn(ADMIN);
    expect((await call({ cookie: viewer }, 'GET', '/api/session')).json).toMatchObject({ authenticated: true, role: 'viewer', principal: { kind: 'session' } });
    expect((await call({ cookie: admin }, 'GET', '/api/session')).json).toMatchObject({ role: 'admin' });
    await writeDay();
    expect((await call({ cookie: viewer }, 'POST', '/api/search', { query: '*' })).status).toBe(200);
    const refused = await call({ cookie: viewer }, 'DELETE', `/api/indices/${INDEX}`);
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toMatch(/this session \(from token tok-viewer\) has viewer/);
    expect((await call({ cookie: admin }, 'DELETE', `/api/indices/${INDEX}`)).status).toBe(200);
  });

  it('a one-time link carries the role of whoever issued it; a viewer cannot issue an admin link', async () => {
    const link = await call({ bearer: VIEWER }, 'POST', '/api/login-link', {});
    expect(link.json).toMatchObject({ role: 'viewer', url: expect.stringMatching(/\/login\?token=/) });
    const opened = await fetch(link.json.url, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await call({ cookie }, 'GET', '/api/session')).json.role).toBe('viewer');
    expect((await call({ bearer: VIEWER }, 'POST', '/api/login-link', { role: 'admin' })).status).toBe(403);
    // An admin may hand out a viewer link.
    const lesser = await call({ bearer: ADMIN }, 'POST', '/api/login-link', { role: 'viewer' });
    const viaLesser = await fetch(lesser.json.url, { redirect: 'manual' });
    expect((await call({ cookie: (viaLesser.headers.get('set-cookie') ?? '').split(';')[0]! }, 'GET', '/api/session')).json.role).toBe('viewer');
    // The server's own link (admin) keeps working, once.
    const own = `${url}/login?token=${sessions.issueLoginToken({ role: 'admin', tokenId: 'hidsmon' })}`;
    expect((await fetch(own, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(own, { redirect: 'manual' })).status).toBe(401);
  });
});

describe('signing in', () => {
  it('refuses the long-lived API token in a URL, sets no cookie, and audits it', async () => {
    audit.length = 0;
    for (const token of [ADMIN, VIEWER]) {
      const response = await fetch(`${url}/login?token=${encodeURIComponent(token)}`, { redirect: 'manual' });
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await response.text()).toContain('API tokens do not go in URLs');
    }
    expect(audit).toContainEqual(expect.objectContaining({ action: 'session:Login', outcome: 'denied', actor: expect.objectContaining({ id: 'tok-admin' }), message: 'An API token was sent in a URL.' }));
  });

  it('the sign-in form POSTs the token: a same-origin form gets the cookie and a 303 to its view', async () => {
    audit.length = 0;
    const response = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url },
      body: new URLSearchParams({ token: VIEWER, next: '/dashboard?q=rule.level%3A%3E%3D10' }).toString(),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard?q=rule.level%3A%3E%3D10');
    expect(response.headers.get('set-cookie')).toMatch(/^hidsmon_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\//);
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    expect((await call({ cookie }, 'GET', '/api/session')).json.role).toBe('viewer');
    const login = audit.find((e) => e.action === 'session:Login');
    expect(login).toMatchObject({ outcome: 'allowed', actor: { kind: 'api-token', id: 'tok-viewer' }, sourceIp: expect.stringMatching(/127\.0\.0\.1/), detail: { via: 'form', role: 'viewer' } });
  });

  it('refuses a cross-site form, a form with no origin, a wrong token, and an unknown body type', async () => {
    audit.length = 0;
    const form = (headers: Record<string, string>, token = ADMIN) =>
      fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token }).toString() });
    const cases: Array<Record<string, string>> = [{ Origin: 'https://evil.example' }, { Origin: 'null' }, {}, { 'Sec-Fetch-Site': 'cross-site' }];
    for (const headers of cases) {
      const r = await form(headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    // Even JSON, which a cross-site page cannot send without CORS, is refused with a foreign Origin.
    expect((await fetch(`${url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, body: JSON.stringify({ token: ADMIN }) })).status).toBe(403);
    expect((await form({ Origin: url }, 'not-the-token-0123456789')).status).toBe(401);
    // What Chromium sends for this server's own form (its Referrer-Policy is no-referrer): Origin null, Sec-Fetch-Site same-origin.
    expect((await form({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })).status).toBe(303);
    expect((await fetch(`${url}/login`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: url }, body: ADMIN })).status).toBe(415);
    expect(audit.filter((e) => e.action === 'session:Login' && e.outcome === 'denied')).toHaveLength(6);
    expect(audit.some((e) => e.message === 'An unknown API token.')).toBe(true);
  });

  const ESCAPES = ['//evil.example', '/\\evil.example', '/\t/evil.example', '/%09/evil.example', '/%2F%2Fevil.example', 'https://evil.example', 'javascript:alert(1)'];
  it.each(ESCAPES)('after sign-in, next=%j redirects to /', async (next) => {
    const link = `${url}/login?token=${sessions.issueLoginToken({ role: 'viewer', tokenId: 'tok-viewer' })}&next=${encodeURIComponent(next)}`;
    const byLink = await fetch(link, { redirect: 'manual' });
    expect(byLink.status).toBe(302);
    expect(byLink.headers.get('location')).toBe('/');
    const byForm = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url }, body: new URLSearchParams({ token: VIEWER, next }).toString() });
    expect(byForm.status).toBe(303);
    expect(byForm.headers.get('location')).toBe('/');
  });
});
