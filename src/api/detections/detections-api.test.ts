/**
 * The detections API over real HTTP, with the server's app, its route table and the durable
 * DetectionStore (DuckDB): viewers list, search and open detections; only admins acknowledge or
 * close them (audited) and read the notification attempts; bad parameters are a clear 400.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameSecret, Sessions, TrustedNetworks } from '../access.js';
import type { DetectionJson, DetectionListJson, NotificationsJson } from '../contract.js';
import type { AuditEntry } from '../../core/audit.js';
import type { Principal } from '../../core/principal.js';
import { DuckDbDetectionStore } from '../../detect/detection-store.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { DEFAULT_LIMITS } from '../../config/server-config.js';
import { serverMetrics } from '../../telemetry/metrics.js';
import { HOSTILE_TEXT, sampleDetection } from '../../testing/detections.js';
import { NotificationDispatcher } from '../../notify/dispatcher.js';
import { createApp } from '../../apps/server/app.js';

const VIEWER = 'viewer-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const TOKENS: Array<{ secret: string; principal: Principal }> = [
  { secret: VIEWER, principal: { kind: 'api-token', id: 'tok-viewer', role: 'viewer' } },
  { secret: ADMIN, principal: { kind: 'api-token', id: 'tok-admin', role: 'admin' } },
];

let store: DuckDbDetectionStore;
let index: DuckDbStore;
let server: ServerType;
let url: string;
const audit: AuditEntry[] = [];
const dispatcher = new NotificationDispatcher({ channels: [{ id: 'soc', kind: 'webhook', send: async () => ({ kind: 'ok', value: undefined }) }], routes: [{ channels: ['soc'] }] });

beforeAll(async () => {
  store = await DuckDbDetectionStore.open({ path: ':memory:' });
  index = await DuckDbStore.open({ path: ':memory:', now: Date.now, limits: DEFAULT_LIMITS });
  await store.put(sampleDetection({ id: 'det-old', createdAt: '2026-12-01T10:00:00.000Z' }));
  await store.put(sampleDetection({ id: 'det-new', createdAt: '2026-12-01T11:00:00.000Z', rule: { id: 'port-scan', name: 'Port scan', kind: 'spread', severity: 'medium' }, group: [{ field: 'srcip', value: '198.51.100.7' }] }));
  dispatcher.notify(sampleDetection({ id: 'det-old' }));
  await dispatcher.idle();
  const app = createApp({
    backend: index,
    now: Date.now,
    metrics: serverMetrics(),
    trusted: new TrustedNetworks(['127.0.0.0/8', '::1/128']),
    sessions: new Sessions(Date.now),
    authenticateToken: (secret) => TOKENS.find((t) => sameSecret(t.secret, secret))?.principal,
    audit: { record: (entry) => audit.push(entry) },
    cloudWatch: async () => ({ status: 400, headers: {}, body: '{}' }),
    ingestStatus: async () => ({ log: { groups: 0, streams: 0, events: 0, stored_bytes: 0, last_sequence: 0 }, streams: [], forwarder: [], dead_letters: 0 }),
    deadLetters: async () => [],
    detections: { store, notifications: dispatcher },
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  await index.close();
  await dispatcher.close();
});

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) };
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, json: await response.json() };
}

describe('/api/detections', () => {
  it('lists newest first for a viewer, in the contract shape, alert text as data', async () => {
    const r = await call(VIEWER, 'GET', '/api/detections');
    expect(r.status).toBe(200);
    const list = r.json as DetectionListJson;
    expect(list.detections.map((d) => d.id)).toEqual(['det-new', 'det-old']);
    expect(list.total).toBe(2);
    const old = list.detections[1]!;
    expect(old).toMatchObject({ created_at: '2026-12-01T10:00:00.000Z', status: 'open', rule: { id: 'ssh-brute-force' }, window: { start: '2026-12-01T12:00:00.000Z' } });
    expect(old.evidence[0]).toMatchObject({ text: HOSTILE_TEXT, rule_id: '5712' });
    expect(Object.keys(old)).not.toContain('createdAt');
  });

  it('searches by rule, status and text, and pages with the cursor', async () => {
    expect(((await call(VIEWER, 'GET', '/api/detections?rule=port-scan')).json as DetectionListJson).detections.map((d) => d.id)).toEqual(['det-new']);
    expect(((await call(VIEWER, 'GET', '/api/detections?q=198.51.100.7')).json as DetectionListJson).detections.map((d) => d.id)).toEqual(['det-new']);
    const first = (await call(VIEWER, 'GET', '/api/detections?limit=1')).json as DetectionListJson;
    expect(first.detections.map((d) => d.id)).toEqual(['det-new']);
    expect(first.next).toBeTruthy();
    const second = (await call(VIEWER, 'GET', `/api/detections?limit=1&cursor=${encodeURIComponent(first.next!)}`)).json as DetectionListJson;
    expect(second.detections.map((d) => d.id)).toEqual(['det-old']);
  });

  it.each([
    ['status=gone', /status: "gone" is not a status/],
    ['limit=0', /limit: a whole number from 1 to 1000/],
    ['from=yesterday', /from: an ISO 8601 time/],
    ['cursor=not-a-cursor', /cursor/],
    ['colour=red', /Unknown parameter "colour"/],
  ])('answers 400 to ?%s', async (query, message) => {
    const r = await call(VIEWER, 'GET', `/api/detections?${query}`);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(message);
  });

  it('gets one by id; an unknown id is 404', async () => {
    expect(((await call(VIEWER, 'GET', '/api/detections/det-old')).json as DetectionJson).id).toBe('det-old');
    expect((await call(VIEWER, 'GET', '/api/detections/nope')).status).toBe(404);
  });

  it('a viewer cannot acknowledge (403, audited as denied, status unchanged); an admin acknowledges and closes, each audited', async () => {
    audit.length = 0;
    const refused = await call(VIEWER, 'POST', '/api/detections/det-old/status', { status: 'acknowledged' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ kind: 'forbidden', required_role: 'admin' });
    expect(audit).toEqual([expect.objectContaining({ action: 'detections:SetStatus', outcome: 'denied' })]);
    expect((await store.get('det-old'))!.status).toBe('open');

    const acked = await call(ADMIN, 'POST', '/api/detections/det-old/status', { status: 'acknowledged' });
    expect(acked.status).toBe(200);
    expect(acked.json).toMatchObject({ id: 'det-old', status: 'acknowledged', status_by: 'api-token:tok-admin' });
    const closed = await call(ADMIN, 'POST', '/api/detections/det-old/status', { status: 'closed' });
    expect(closed.json.status).toBe('closed');
    expect(audit.slice(1)).toEqual([
      expect.objectContaining({ action: 'detections:SetStatus', resource: 'det-old', outcome: 'allowed', detail: { status: 'acknowledged', previous: 'open', rule: 'ssh-brute-force' } }),
      expect.objectContaining({ action: 'detections:SetStatus', resource: 'det-old', outcome: 'allowed', detail: { status: 'closed', previous: 'acknowledged', rule: 'ssh-brute-force' } }),
    ]);
    expect(((await call(VIEWER, 'GET', '/api/detections?status=open')).json as DetectionListJson).detections.map((d) => d.id)).toEqual(['det-new']);
  });

  it('refuses a bad status body with 400 and an unknown id with 404 (audited as failed)', async () => {
    expect((await call(ADMIN, 'POST', '/api/detections/det-new/status', { status: 'resolved' })).status).toBe(400);
    audit.length = 0;
    expect((await call(ADMIN, 'POST', '/api/detections/nope/status', { status: 'closed' })).status).toBe(404);
    expect(audit).toEqual([expect.objectContaining({ action: 'detections:SetStatus', outcome: 'failed', resource: 'nope' })]);
  });
});

describe('/api/notifications', () => {
  it('shows an admin the attempts and counts; a viewer is refused', async () => {
    expect((await call(VIEWER, 'GET', '/api/notifications')).status).toBe(403);
    const r = await call(ADMIN, 'GET', '/api/notifications');
    expect(r.status).toBe(200);
    const body = r.json as NotificationsJson;
    expect(body.configured).toBe(true);
    expect(body.attempts[0]).toMatchObject({ channel: 'soc', channel_kind: 'webhook', detection_id: 'det-old', attempt: 1, result: 'sent' });
    expect(body.stats).toMatchObject({ sent: 1, failed: 0 });
  });
});
