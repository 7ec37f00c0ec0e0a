/**
 * Saved searches and queries over real HTTP, through the app's authentication and route table,
 * on a real DuckDB store: create, list, get, rename, update, delete; names unique (without case);
 * bounded sizes refused with 400; a viewer changes only what their token made, an admin anything;
 * every change (and every refused one) reaches the audit recorder; the store survives a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameSecret, Sessions, TrustedNetworks } from '../access.js';
import type { AuditEntry } from '../../core/audit.js';
import type { Principal } from '../../core/principal.js';
import { DEFAULT_LIMITS } from '../../config/server-config.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { serverMetrics } from '../../telemetry/metrics.js';
import { SavedObjectStore } from '../../saved/saved-object-store.js';
import { createApp } from '../../apps/server/app.js';

const TOKENS: Array<{ secret: string; principal: Principal }> = [
  { secret: 'viewer-a-token-0123456789abcdef', principal: { kind: 'api-token', id: 'tok-a', role: 'viewer' } },
  { secret: 'viewer-b-token-0123456789abcdef', principal: { kind: 'api-token', id: 'tok-b', role: 'viewer' } },
  { secret: 'admin-token-0123456789abcdefgh', principal: { kind: 'api-token', id: 'tok-admin', role: 'admin' } },
];
const [A, B, ADMIN] = TOKENS.map((t) => t.secret) as [string, string, string];

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-saved-'));
let index: DuckDbStore;
let store: SavedObjectStore;
let server: ServerType;
let url: string;
const audit: AuditEntry[] = [];

async function start(): Promise<void> {
  store = await SavedObjectStore.open({ path: join(tmp, 'saved-objects.duckdb') });
  const app = createApp({
    backend: index,
    now: Date.now,
    metrics: serverMetrics(),
    trusted: new TrustedNetworks(['127.0.0.0/8', '::1/128']),
    sessions: new Sessions(Date.now),
    authenticateToken: (secret) => TOKENS.find((t) => sameSecret(t.secret, secret))?.principal,
    audit: { record: (entry) => audit.push(entry) },
    savedObjects: store,
    cloudWatch: async () => ({ status: 400, headers: {}, body: '{}' }),
    ingestStatus: async () => ({ log: { groups: 0, streams: 0, events: 0, stored_bytes: 0, last_sequence: 0 }, streams: [], forwarder: [], dead_letters: 0 }),
    deadLetters: async () => [],
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
}

beforeAll(async () => {
  index = await DuckDbStore.open({ path: ':memory:', now: Date.now, limits: DEFAULT_LIMITS });
  await start();
});

afterAll(async () => {
  await stop();
  await index.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: response.status, json: await response.json() };
}

const SEARCH = {
  name: 'Brute force from outside',
  query: 'rule.groups:authentication_failed',
  filters: [{ field: 'srcip', value: '10.0.0.1', negate: true, disabled: false }],
  columns: ['rule.level', 'srcip'],
  sort: [{ field: 'rule.level', order: 'desc' }],
  time: { from: 'now-7d', to: 'now' },
};

describe('saved searches API', () => {
  let id: string;

  it('creates, lists and gets a saved search with every part of the view', async () => {
    const created = await call(A, 'POST', '/api/saved/searches', SEARCH);
    expect(created.status).toBe(201);
    id = created.json.id;
    expect(created.json).toMatchObject({ ...SEARCH, type: 'search', owner: 'token:tok-a/viewer' });
    const listed = await call(B, 'GET', '/api/saved/searches');
    expect(listed.status).toBe(200);
    expect(listed.json.saved_searches.map((s: { id: string }) => s.id)).toEqual([id]);
    const got = await call(B, 'GET', `/api/saved/searches/${id}`);
    expect(got.json).toMatchObject(SEARCH);
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Create', resource: id, outcome: 'allowed', actor: { id: 'tok-a' } });
  });

  it('refuses a name already taken (without case) with 409, and audits the attempt', async () => {
    const again = await call(B, 'POST', '/api/saved/searches', { ...SEARCH, name: '  brute FORCE from outside ' });
    expect(again.status).toBe(409);
    expect(again.json.error.kind).toBe('duplicate_name');
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Create', outcome: 'failed' });
    // A saved query of that name is another kind of object: allowed.
    expect((await call(B, 'POST', '/api/saved/queries', { name: SEARCH.name, query: 'x' })).status).toBe(201);
  });

  it('refuses what is out of bounds or malformed with 400 and what to fix', async () => {
    const cases: unknown[] = [
      { ...SEARCH, name: '' },
      { ...SEARCH, name: 'x'.repeat(101) },
      { ...SEARCH, name: 'two\nlines' },
      { ...SEARCH, name: 'q', query: 'x'.repeat(10_001) },
      { ...SEARCH, name: 'f', filters: Array.from({ length: 51 }, () => SEARCH.filters[0]) },
      { ...SEARCH, name: 'f2', filters: [{ field: 'a', value: { nested: 1 } }] },
      { ...SEARCH, name: 's', sort: [{ field: 'rule.level', order: 'sideways' }] },
      { ...SEARCH, name: 't', time: { from: 'yesterday-ish', to: 'now' } },
      { ...SEARCH, name: 'c', columns: 'rule.level' },
      '[1, 2]',
      'not json',
    ];
    for (const body of cases) {
      const answer = await call(A, 'POST', '/api/saved/searches', body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.json.error.message).toBeTruthy();
    }
    expect((await call(A, 'GET', '/api/saved/searches')).json.saved_searches).toHaveLength(1);
  });

  it('lets only the maker (or an admin) rename, update and delete', async () => {
    const refused = await call(B, 'PATCH', `/api/saved/searches/${id}`, { name: 'Mine now' });
    expect(refused.status).toBe(403);
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Rename', resource: id, outcome: 'denied', actor: { id: 'tok-b' } });
    expect((await call(B, 'DELETE', `/api/saved/searches/${id}`)).status).toBe(403);
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Delete', outcome: 'denied' });

    const renamed = await call(A, 'PATCH', `/api/saved/searches/${id}`, { name: 'Brute force' });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: 'Brute force', query: SEARCH.query, columns: SEARCH.columns });
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Rename', outcome: 'allowed', detail: { name: 'Brute force' } });

    const updated = await call(ADMIN, 'PATCH', `/api/saved/searches/${id}`, { query: 'rule.level:>=10', filters: [], columns: ['full_log'] });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ name: 'Brute force', query: 'rule.level:>=10', filters: [], columns: ['full_log'], owner: 'token:tok-a/viewer', updated_by: 'token:tok-admin/admin' });
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Update', outcome: 'allowed' });
  });

  it('keeps saved objects across a restart of the store', async () => {
    await stop();
    await start();
    const got = await call(B, 'GET', `/api/saved/searches/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ name: 'Brute force', query: 'rule.level:>=10', columns: ['full_log'], sort: SEARCH.sort, time: SEARCH.time });
    expect((await call(B, 'GET', '/api/saved/queries')).json.saved_queries.map((q: { name: string }) => q.name)).toEqual([SEARCH.name]);
  });

  it('deletes, answers 404 after, and treats odd kinds and ids as not found', async () => {
    expect((await call(A, 'DELETE', `/api/saved/searches/${id}`)).json).toEqual({ deleted: id });
    expect(audit.at(-1)).toMatchObject({ action: 'savedSearch:Delete', resource: id, outcome: 'allowed' });
    expect((await call(A, 'GET', `/api/saved/searches/${id}`)).status).toBe(404);
    expect((await call(A, 'DELETE', `/api/saved/searches/${id}`)).status).toBe(404);
    expect((await call(A, 'GET', '/api/saved/__proto__')).status).toBe(404);
    expect((await call(A, 'GET', '/api/saved/constructor/x')).status).toBe(404);
  });

  it('keeps only the query and pills of a saved query', async () => {
    const created = await call(A, 'POST', '/api/saved/queries', { name: 'Level 10+', query: 'rule.level:>=10', filters: [], columns: ['x'], time: { from: 'now-1h', to: 'now' } });
    expect(created.status).toBe(201);
    expect(created.json.columns).toBeUndefined();
    expect(created.json.time).toBeUndefined();
  });
});
