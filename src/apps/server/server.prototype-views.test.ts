/**
 * Fields named after `Object.prototype` members (`__proto__`, `constructor`, `toString`) in what an
 * analyst does with a result, through the real server on both backends: sorted by them, exported
 * with them as columns (CSV and NDJSON), and saved searches named after them that keep them as
 * columns, sort and filter, across a rename, a delete and a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test/support/csv.js';
import { openSearchPair, type OpenSearchPair } from '../../../test/support/opensearch-pair.js';
import { sharedOpenSearch } from '../../../test/support/opensearch.js';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { startServer, type RunningServer } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-proto-views-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'test-api-token-proto-views-0123456789';
const logger = pino({ level: 'silent' });
const T0 = Date.now() - 3_600_000;
const COUNT = 30;
const NAMES = ['__proto__', 'constructor', 'toString'] as const;

function put(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** What alert `i` holds under each name (undefined: it has no such field). */
function valuesOf(i: number): Record<(typeof NAMES)[number], number | string | undefined> {
  // Own keys (`{ __proto__: x }` would set the prototype).
  const values = {} as Record<(typeof NAMES)[number], number | string | undefined>;
  put(values, '__proto__', i % 6 === 0 ? undefined : i % 7);
  put(values, 'constructor', i % 5 === 0 ? undefined : `c${i % 4}`);
  put(values, 'toString', i % 4 === 0 ? undefined : 100 - i);
  return values;
}

function alertOf(i: number): IndexedDocument {
  const alert: Record<string, unknown> = { rule: { level: 3 + (i % 5), sidid: 5700, comment: `Rule ${i}` }, full_log: `line ${i}` };
  const values = valuesOf(i);
  for (const name of NAMES) if (values[name] !== undefined) put(alert, name, values[name]);
  const data = {};
  put(data, 'constructor', `d${i % 3}`);
  alert['data'] = data;
  // Every third alert shares its time with the one before: the tie-breakers decide.
  const timeMs = T0 + (i - (i % 3 === 2 ? 1 : 0)) * 1000;
  return documentFromLogEvent({ eventId: cloudWatchEventId(timeMs, i), timestampMs: timeMs, message: JSON.stringify(alert), owner: '123456789012', logGroup: 'g', logStream: `i-${i % 3}` });
}

const docs = Array.from({ length: COUNT }, (_, i) => alertOf(i));

/** The order OpenSearch gives: the value (missing last), then @timestamp and @id descending. */
function expectedOrder(name: (typeof NAMES)[number], order: 'asc' | 'desc'): string[] {
  const keyed = docs.map((d, i) => ({ id: d.document['@id'], ts: Date.parse(d.document['@timestamp']), v: valuesOf(i)[name] }));
  keyed.sort((a, b) => {
    if (a.v === undefined || b.v === undefined) {
      if (a.v !== b.v) return a.v === undefined ? 1 : -1;
    } else if (a.v !== b.v) return (a.v < b.v ? -1 : 1) * (order === 'asc' ? 1 : -1);
    return b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  });
  return keyed.map((k) => k.id);
}

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), apiTokens: [TOKEN], ...overrides };
}

const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

async function call(server: RunningServer, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

describe.each(['embedded', 'opensearch'] as const)('prototype-named fields in sort, export and saved searches on the %s backend', (backend) => {
  let server: RunningServer;
  let pair: OpenSearchPair | undefined;
  let serverConfig: ServerConfig;

  beforeAll(async () => {
    if (backend === 'embedded') {
      serverConfig = config();
      server = await startServer(serverConfig, { logger });
      await server.index.write(docs);
    } else {
      const url = await sharedOpenSearch();
      pair = await openSearchPair();
      expect(await pair.write(docs)).toMatchObject({ written: COUNT });
      serverConfig = config({ backend: 'opensearch', openSearch: { url, indexPrefix: pair.prefix } });
      server = await startServer(serverConfig, { logger });
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await pair?.close();
  });

  it.each(NAMES.flatMap((name) => (['asc', 'desc'] as const).map((order) => [name, order] as const)))('sorts hits by %s %s, in one page and in pages of 4', async (name, order) => {
    const expected = expectedOrder(name, order);
    const body = { query: '', from: 'now-2h', to: 'now', sort: `${name}:${order}` };
    const whole = await call(server, 'POST', '/api/search', { ...body, size: 100 });
    expect(whole.status, await whole.clone().text()).toBe(200);
    const answer = (await whole.json()) as { hits: Array<{ document: Record<string, unknown>; sort: unknown[] }> };
    expect(answer.hits.map((h) => h.document['@id'])).toEqual(expected);
    const index = new Map(docs.map((d, i) => [d.document['@id'], i]));
    for (const hit of answer.hits) expect(Object.hasOwn(hit.document, name) ? hit.document[name] : undefined).toEqual(valuesOf(index.get(hit.document['@id'] as string) as number)[name]);
    const paged: string[] = [];
    let after: unknown[] | undefined;
    for (let page = 0; page < 20; page++) {
      const found = (await (await call(server, 'POST', '/api/search', { ...body, size: 4, ...(after ? { search_after: after } : {}) })).json()) as typeof answer;
      if (found.hits.length === 0) break;
      paged.push(...found.hits.map((h) => h.document['@id'] as string));
      after = found.hits[found.hits.length - 1]?.sort;
    }
    expect(paged).toEqual(expected);
  });

  it('exports them as CSV columns and NDJSON keys, sorted by one of them', async () => {
    const columns = ['@timestamp', ...NAMES, 'data.constructor'];
    const expected = expectedOrder('toString', 'desc');
    const csv = await call(server, 'POST', '/api/export', { query: '', from: 'now-2h', to: 'now', format: 'csv', columns, sort: 'toString:desc' });
    expect(csv.status, await csv.clone().text()).toBe(200);
    const records = parseCsv(await csv.text());
    expect(records[0]).toEqual(columns);
    const byId = new Map(docs.map((d, i) => [d.document['@id'], i]));
    const rows = records.slice(1);
    expect(rows).toHaveLength(COUNT);
    rows.forEach((row, r) => {
      const i = byId.get(expected[r] as string) as number;
      const values = valuesOf(i);
      expect(row).toEqual([docs[i]?.document['@timestamp'], ...NAMES.map((n) => (values[n] === undefined ? '' : String(values[n]))), `d${i % 3}`]);
    });
    const ndjson = await call(server, 'POST', '/api/export', { query: '', from: 'now-2h', to: 'now', format: 'ndjson', columns: [...NAMES], sort: 'toString:desc' });
    const lines = (await ndjson.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(COUNT);
    lines.forEach((line, r) => {
      const values = valuesOf(byId.get(expected[r] as string) as number);
      for (const n of NAMES) expect(Object.hasOwn(line, n) ? line[n] : undefined).toEqual(values[n]);
      expect(Object.keys(line).every((k) => (NAMES as readonly string[]).includes(k))).toBe(true);
    });
    const whole = await call(server, 'POST', '/api/export', { query: '__proto__:3', from: 'now-2h', to: 'now', format: 'ndjson' });
    const sources = (await whole.text()).trim().split('\n').map((l) => (JSON.parse(l) as { _source: Record<string, unknown> })._source);
    expect(sources.length).toBe(docs.filter((_, i) => valuesOf(i).__proto__ === 3).length);
    for (const source of sources) {
      expect(Object.hasOwn(source, '__proto__') && source['__proto__']).toBe(3);
      expect(Object.getPrototypeOf(source)).toBe(Object.prototype);
    }
  });

  it('keeps saved searches named after them, with them as columns, sort and filter, through a rename, a delete and a restart', { timeout: 120_000 }, async () => {
    const view = (name: string) => ({ name, query: 'constructor:c1', filters: [{ field: 'toString', value: '95', negate: true, disabled: false }], columns: [...NAMES], sort: [{ field: '__proto__', order: 'asc' }], time: { from: 'now-2h', to: 'now' } });
    const ids = new Map<string, string>();
    for (const name of NAMES) {
      const created = await call(server, 'POST', '/api/saved/searches', view(name));
      expect(created.status, name).toBe(201);
      const json = (await created.json()) as { id: string; name: string; columns: string[] };
      expect(json).toMatchObject(view(name));
      ids.set(name, json.id);
    }
    const listed = async (): Promise<Array<{ id: string; name: string }>> => ((await (await call(server, 'GET', '/api/saved/searches')).json()) as { saved_searches: Array<{ id: string; name: string }> }).saved_searches;
    expect((await listed()).map((s) => s.name).sort()).toEqual([...NAMES].sort());
    // A name another search has is refused; a free one is taken.
    expect((await call(server, 'PATCH', `/api/saved/searches/${ids.get('__proto__')}`, { name: 'toString' })).status).toBe(409);
    const renamed = await call(server, 'PATCH', `/api/saved/searches/${ids.get('__proto__')}`, { name: 'valueOf' });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject(view('valueOf'));
    expect((await call(server, 'DELETE', `/api/saved/searches/${ids.get('constructor')}`)).status).toBe(200);
    expect((await listed()).map((s) => s.name).sort()).toEqual(['toString', 'valueOf']);
    // The saved view runs: constructor c1, not toString 95 (i = 5 has no constructor), by __proto__ ascending.
    const opened = (await (await call(server, 'GET', `/api/saved/searches/${ids.get('toString')}`)).json()) as ReturnType<typeof view>;
    // As Discover runs a saved view: the pills as query DSL (a negated pill is a must_not).
    const filters = opened.filters.map((f) => (f.negate ? { bool: { must_not: [{ term: { [f.field]: Number(f.value) } }] } } : { term: { [f.field]: Number(f.value) } }));
    const ran = await call(server, 'POST', '/api/search', { query: opened.query, filters, sort: opened.sort, from: opened.time.from, to: opened.time.to, size: 100 });
    expect(ran.status).toBe(200);
    const hits = ((await ran.json()) as { hits: Array<{ document: Record<string, unknown> }> }).hits.map((h) => h.document['@id']);
    expect(hits).toEqual(expectedOrder('__proto__', 'asc').filter((id) => {
      const i = docs.findIndex((d) => d.document['@id'] === id);
      return valuesOf(i).constructor === 'c1' && valuesOf(i).toString !== 95;
    }));
    expect(hits.length).toBeGreaterThan(3);
    await server.stop();
    server = await startServer(serverConfig, { logger });
    const after = await listed();
    expect(after.map((s) => s.name).sort()).toEqual(['toString', 'valueOf']);
    expect(await (await call(server, 'GET', `/api/saved/searches/${ids.get('toString')}`)).json()).toMatchObject(view('toString'));
  });
});
