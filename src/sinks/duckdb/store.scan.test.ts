/**
 * The embedded store's scan (one streamed, ordered statement: what an export reads) against
 * paging with search_after (what the export read before, and what a backend without a scan gets):
 * the same bytes of CSV and NDJSON for every sort, columns and filters; ended early, it gives its
 * connection back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { DEFAULT_EXPORT_COLUMNS, type ExportFormat } from '../../query/export-format.js';
import { startExport } from '../../query/export.js';
import type { SearchBackend, SearchRequest, SortSpec } from '../../query/search-api.js';
import { parseQueryInput } from '../../query/parse-query.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

const T0 = Date.UTC(2024, 2, 2, 22);
const HOUR = 3_600_000;

/** Alerts that vary in everything an export reads: ties, missing and odd values, lists, dynamic and prototype-named fields, non-JSON messages, three days. */
function corpus(): IndexedDocument[] {
  const docs: IndexedDocument[] = [];
  for (let i = 0; i < 180; i++) {
    // Every third alert shares its time with the one before: the tie-breakers decide.
    const ts = T0 + Math.floor(i / 3) * 2 * HOUR + (i % 3 === 2 ? 0 : i % 3) * 1000;
    const level = i % 11 === 0 ? undefined : i % 13 === 0 ? 'high' : i % 9;
    const alert: Record<string, unknown> = {
      rule: { ...(level === undefined ? {} : { level }), sidid: 5700 + (i % 7), comment: i % 17 === 0 ? '=HYPERLINK("http://x","y")' : `Rule ${i % 5}`, group: i % 4 === 0 ? ['syslog', 'sshd'] : ['pam'] },
      ...(i % 6 === 0 ? {} : { srcip: i % 5 === 0 ? `2001:db8::${i}` : `10.0.${i % 3}.${i % 250}` }),
      srcuser: i % 8 === 0 ? '@SUM(1+1)' : `user${i % 4}`,
      full_log: i % 10 === 0 ? `a "quoted", comma\r\nline ${i} — ünïcødé` : `sshd[${i}]: Failed password`,
      data: { port: i % 3 === 0 ? String(1000 + i) : 1000 + i, user: i % 2 === 0 ? `u${i % 5}` : ['a', `b${i}`] },
    };
    if (i % 7 === 0) Object.defineProperty(alert, '__proto__', { value: { polluted: i }, enumerable: true });
    if (i % 5 === 1) alert['constructor'] = i % 2 === 0 ? `c${i}` : i;
    if (i % 4 === 1) alert['toString'] = { nested: [i, null, 'x'] };
    const message = i % 19 === 0 ? `Alert ${i}: not JSON, = + - @` : JSON.stringify(alert);
    const eventId = i % 23 === 0 ? `custom-event-${i}` : cloudWatchEventId(ts, i);
    docs.push(documentFromLogEvent({ eventId, timestampMs: ts, message, owner: '123456789012', logGroup: 'g', logStream: `host-${i % 4}` }));
  }
  return docs;
}

/** The store as a backend without its scan: the export pages with search_after, as before. */
function pagedOnly(store: DuckDbStore): SearchBackend {
  return {
    search: (r) => store.search(r),
    document: (i, d) => store.document(i, d),
    fields: () => store.fields(),
    indices: () => store.indices(),
    deleteIndex: (n) => store.deleteIndex(n),
    deleteOlderThan: (d, n) => store.deleteOlderThan(d, n),
  };
}

async function exported(backend: SearchBackend, request: SearchRequest, format: ExportFormat, columns: readonly string[], extra: { pageSize?: number; maxRows?: number } = {}): Promise<string> {
  const run = await startExport(backend, request, { format, columns, ...extra });
  let text = '';
  for await (const chunk of run.chunks) text += chunk;
  return text;
}

describe('the embedded store’s scan, as an export reads it', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', threads: 2 });
    const written = await store.write(corpus());
    expect(written).toMatchObject({ written: 180 });
  });
  afterAll(() => store?.close());

  const sorts: Array<SortSpec | undefined> = [
    undefined,
    { field: '@timestamp', order: 'asc' },
    { field: 'rule.level', order: 'asc' },
    { field: 'rule.level', order: 'desc' },
    { field: 'srcip', order: 'asc' },
    { field: 'data.port', order: 'desc' },
    { field: 'data.user', order: 'asc' },
    { field: 'rule.group', order: 'desc' },
    { field: 'constructor', order: 'asc' },
    { field: 'never.seen', order: 'asc' },
  ];
  const shapes: Array<[ExportFormat, readonly string[]]> = [
    ['csv', DEFAULT_EXPORT_COLUMNS],
    ['csv', ['@id', 'id', '@timestamp', 'rule.group', 'data.port', 'data.user.keyword', '__proto__', 'constructor', 'toString', '@message']],
    ['ndjson', []],
    ['ndjson', ['rule.level', 'srcip', '__proto__', 'toString']],
  ];

  it.each(sorts.map((s) => [s ? `${s.field} ${s.order}` : 'newest first', s] as const))('writes the same bytes as paging with search_after, sorted %s', async (_name, sort) => {
    for (const [format, columns] of shapes) {
      for (const query of [{ kind: 'match_all' } as const, { kind: 'exists', field: 'srcip' } as const]) {
        const request: SearchRequest = { query, ...(sort ? { sort } : {}), timeRange: { fromMs: T0 + HOUR, toMs: T0 + 100 * HOUR } };
        const paged = await exported(pagedOnly(store), request, format, columns, { pageSize: 7 });
        const scanned = await exported(store, request, format, columns);
        expect(scanned.length).toBeGreaterThan(100);
        expect(scanned).toBe(paged);
      }
    }
  });

  it('stops at maxRows as paging does', async () => {
    const request: SearchRequest = { query: { kind: 'match_all' }, sort: { field: 'rule.level', order: 'asc' } };
    const scanned = await exported(store, request, 'csv', DEFAULT_EXPORT_COLUMNS, { maxRows: 25 });
    expect(scanned.split('\r\n').length).toBeGreaterThanOrEqual(27);
    expect(scanned).toBe(await exported(pagedOnly(store), request, 'csv', DEFAULT_EXPORT_COLUMNS, { maxRows: 25, pageSize: 10 }));
  });

  it('refuses a sort on a text field and a bad pattern before any row', async () => {
    const text = await store.scan({ query: { kind: 'match_all' }, sort: { field: 'full_log', order: 'asc' } });
    expect(!text.ok && text.error.message).toMatch(/full_log\.keyword/);
    const query = parseQueryInput('srcuser:/((a{100}){100}){100}/');
    if (!query.ok) throw new Error(query.error.message);
    const pattern = await store.scan({ query: query.value });
    expect(!pattern.ok && pattern.error.message).toMatch(/too complex for the linear-time engine/);
    // Neither took one of the four exports' connections.
    for (let i = 0; i < 4; i++) expect((await store.scan({ query: { kind: 'match_all' }, sort: { field: 'full_log', order: 'asc' } })).ok).toBe(false);
  });

  it('gives its connection back when the reader stops, started or not: a fifth export runs once one of four ends', async () => {
    const request: SearchRequest = { query: { kind: 'match_all' } };
    const runs = [];
    for (let i = 0; i < 4; i++) {
      const run = await startExport(store, request, { format: 'csv', columns: ['full_log'] });
      if (i % 2 === 0) await run.chunks.next();
      runs.push(run);
    }
    await expect(startExport(store, request, { format: 'csv', columns: ['full_log'] })).rejects.toThrow(/At most 4 exports/);
    for (const run of runs) await run.cancel();
    const after = await exported(store, request, 'csv', ['full_log']);
    expect(after.split('\r\n').length).toBeGreaterThan(180);
    expect((await store.search({ query: { kind: 'match_all' }, size: 0 })).ok).toBe(true);
  });

  it('is stopped by closing the store while a scan is open', async () => {
    const other = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    await other.write(corpus());
    const run = await startExport(other, { query: { kind: 'match_all' } }, { format: 'ndjson', columns: [] });
    await run.chunks.next();
    await other.close();
    await run.cancel();
  });
});
