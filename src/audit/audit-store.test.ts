/** The audit store: append, every search filter, paging newest first, following by id, retention, caps, drops. */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../core/audit.js';
import { decodeAuditCursor, encodeAuditCursor, globToLike, parseAuditQuery, type AuditQuery } from './audit-query.js';
import { AuditStore } from './audit-store.js';

const T0 = Date.UTC(2026, 0, 10, 12);
const agent = { kind: 'access-key' as const, id: 'AKIAAGENT0000000001', arn: 'arn:aws:iam::123456789012:user/agent' };
const admin = { kind: 'api-token' as const, id: 'tok-admin', role: 'admin' as const };
const session = { kind: 'session' as const, id: 'sess-1', tokenId: 'tok-viewer', role: 'viewer' as const };

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return { timeMs: T0 + i * 1000, actor: agent, sourceIp: '10.0.0.7', action: 'logs:CreateLogGroup', resource: `arn:aws:logs:us-east-1:123456789012:log-group:g${i}`, outcome: 'allowed', ...over };
}

function q(params: Record<string, string | string[]> = {}): AuditQuery {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) search.append(k, x);
  const parsed = parseAuditQuery(search, T0 + 3_600_000);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

let store: AuditStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function filled(): Promise<AuditStore> {
  store = await AuditStore.open({ path: ':memory:', now: () => T0 });
  store.record(entry(0));
  store.record(entry(1, { action: 'logs:PutSubscriptionFilter', outcome: 'denied', message: 'User: arn:aws:iam::123456789012:user/agent is not authorized to perform: logs:PutSubscriptionFilter', detail: { filterPattern: 'zz-never-matches-zz' } }));
  store.record(entry(2, { action: 'logs:PutRetentionPolicy', detail: { retentionInDays: 1 } }));
  store.record(entry(3, { actor: admin, sourceIp: '127.0.0.1', action: 'index:Delete', resource: 'cwl-2026.01.01' }));
  store.record(entry(4, { actor: session, action: 'session:Login', resource: undefined, outcome: 'allowed', message: '<img src=x onerror=alert(1)>' }));
  store.record(entry(5, { action: 'logs:DeleteLogGroup', outcome: 'failed', resource: 'arn:aws:logs:us-east-1:123456789012:log-group:100%_done', message: "x'; DROP TABLE audit_entries; --" }));
  await store.flushed();
  return store;
}

describe('AuditStore', () => {
  it('appends and answers newest first, with each field as recorded', async () => {
    const s = await filled();
    const page = await s.search(q());
    expect(page.entries.map((e) => e.action)).toEqual(['logs:DeleteLogGroup', 'session:Login', 'index:Delete', 'logs:PutRetentionPolicy', 'logs:PutSubscriptionFilter', 'logs:CreateLogGroup']);
    const denied = page.entries[4]!;
    expect(denied).toMatchObject({ actor: agent, sourceIp: '10.0.0.7', outcome: 'denied', detail: { filterPattern: 'zz-never-matches-zz' } });
    expect(page.entries[1]!.actor).toEqual(session);
    expect(page.entries[1]!.message).toBe('<img src=x onerror=alert(1)>');
    expect(page.entries[0]!.message).toBe("x'; DROP TABLE audit_entries; --");
    expect(page.nextCursor).toBeUndefined();
  });

  it('filters by time range, actor (a session by its token), action prefix and glob, outcome, resource glob and text', async () => {
    const s = await filled();
    const actions = async (params: Record<string, string | string[]>) => (await s.search(q(params))).entries.map((e) => e.action);
    expect(await actions({ from: new Date(T0 + 1000).toISOString(), to: new Date(T0 + 2000).toISOString() })).toEqual(['logs:PutRetentionPolicy', 'logs:PutSubscriptionFilter']);
    expect(await actions({ actor: 'tok-admin' })).toEqual(['index:Delete']);
    expect(await actions({ actor: 'tok-viewer' })).toEqual(['session:Login']);
    expect(await actions({ action: 'logs:' })).toHaveLength(4);
    expect(await actions({ action: 'logs:Put*' })).toEqual(['logs:PutRetentionPolicy', 'logs:PutSubscriptionFilter']);
    expect(await actions({ action: ['logs:PutSub*', 'index:*'] })).toEqual(['index:Delete', 'logs:PutSubscriptionFilter']);
    expect(await actions({ action: '*Retention*' })).toEqual(['logs:PutRetentionPolicy']);
    expect(await actions({ outcome: 'denied' })).toEqual(['logs:PutSubscriptionFilter']);
    expect(await actions({ outcome: 'denied,failed' })).toEqual(['logs:DeleteLogGroup', 'logs:PutSubscriptionFilter']);
    expect(await actions({ resource: '*:log-group:g2' })).toEqual(['logs:PutRetentionPolicy']);
    // LIKE's own wildcards in a value are literal.
    expect(await actions({ resource: '*100%_done' })).toEqual(['logs:DeleteLogGroup']);
    expect(await actions({ resource: '*100%%done' })).toEqual([]);
    expect(await actions({ q: 'ZZ-NEVER' })).toEqual(['logs:PutSubscriptionFilter']);
    expect(await actions({ q: 'onerror' })).toEqual(['session:Login']);
    expect(await actions({ q: '127.0.0.1' })).toEqual(['index:Delete']);
    expect(await actions({ q: '%' })).toEqual(['logs:DeleteLogGroup']);
  });

  it('pages newest first with a cursor and follows newer entries by id', async () => {
    store = await AuditStore.open({ path: ':memory:' });
    // Several entries in the same millisecond: the id breaks the tie.
    for (let i = 0; i < 25; i++) store.record(entry(Math.floor(i / 3)));
    await store.flushed();
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.search(q({ limit: '7', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.entries.map((e) => e.id));
      if (!page.nextCursor) break;
      cursor = encodeAuditCursor(page.nextCursor);
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    const after = await store.search(q({ after_id: '20' }));
    expect(after.entries.map((e) => e.id)).toEqual([21, 22, 23, 24, 25]);
  });

  it('keeps ids unique after retention deleted every entry, across a reopen', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-audit-'));
    try {
      const path = join(dir, 'audit.duckdb');
      let s = await AuditStore.open({ path, retentionDays: 90 });
      s.record(entry(0));
      s.record(entry(1, { timeMs: T0 + 100 * 86_400_000 }));
      await s.flushed();
      expect(await s.expire(T0 + 91 * 86_400_000)).toBe(1);
      expect(await s.expire(T0 + 200 * 86_400_000)).toBe(1);
      expect((await s.search(q())).entries).toEqual([]);
      await s.close();
      s = await AuditStore.open({ path });
      s.record(entry(2));
      await s.flushed();
      expect((await s.search(q())).entries.map((e) => e.id)).toEqual([3]);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caps attacker-sized strings, and never throws from record', async () => {
    store = await AuditStore.open({ path: ':memory:' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    store.record(entry(0, { resource: 'g'.repeat(1_000_000), message: 'm'.repeat(100_000), detail: { pattern: 'p'.repeat(100_000) } }));
    expect(() => store!.record(entry(1, { detail: cyclic }))).not.toThrow();
    await store.flushed();
    const [second, first] = (await store.search(q())).entries;
    expect(first!.resource!.length).toBeLessThanOrEqual(2048);
    expect(first!.message!.length).toBeLessThanOrEqual(2048);
    expect(JSON.stringify(first!.detail).length).toBeLessThanOrEqual(8300);
    expect(second!.detail).toEqual({ unserializable: true });
  });

  it('drops and counts past a full buffer instead of blocking, and after close', async () => {
    const drops: Array<[number, string]> = [];
    store = await AuditStore.open({ path: ':memory:', maxBuffered: 5, onDropped: (n, reason) => drops.push([n, reason]) });
    // All synchronously: nothing can commit in between, so the buffer fills.
    for (let i = 0; i < 12; i++) store.record(entry(i));
    await store.flushed();
    expect(store.dropped).toBe(7);
    expect(drops.every(([, reason]) => reason === 'buffer_full')).toBe(true);
    expect((await store.search(q())).entries).toHaveLength(5);
    await store.close();
    store.record(entry(99));
    expect(store.dropped).toBe(8);
    expect(drops.at(-1)).toEqual([1, 'closed']);
    store = undefined;
  });
});

describe('parseAuditQuery', () => {
  it('refuses bad input with what to send', () => {
    const bad = (params: string) => {
      const r = parseAuditQuery(new URLSearchParams(params), T0);
      return r.ok ? undefined : r.error.message;
    };
    expect(bad('outcome=maybe')).toMatch(/outcome is one of allowed, denied, failed/);
    expect(bad('limit=0')).toMatch(/limit/);
    expect(bad('limit=5000')).toMatch(/limit/);
    expect(bad('from=yesterday')).toMatch(/^from:/);
    expect(bad('from=now&to=now-1h')).toMatch(/before/);
    expect(bad('cursor=abc')).toMatch(/next_cursor/);
    expect(bad('after_id=-1')).toMatch(/after_id/);
    expect(bad(`q=${'x'.repeat(2000)}`)).toMatch(/1024/);
    expect(bad('cursor=1.2&after_id=3')).toMatch(/not both/);
    expect(bad('from=now-1h&action=logs:*&limit=10')).toBeUndefined();
  });

  it('turns globs into LIKE patterns with LIKE\'s own wildcards escaped', () => {
    expect(globToLike('logs:Put*', 'prefix')).toBe('logs:Put%');
    expect(globToLike('logs:', 'prefix')).toBe('logs:%');
    expect(globToLike('a_b%c\\d?', 'exact')).toBe('a\\_b\\%c\\\\d_');
    expect(decodeAuditCursor(encodeAuditCursor({ timeMs: T0, id: 42 }))).toEqual({ timeMs: T0, id: 42 });
  });
});
