/**
 * `POST /api/export` on both backends: the whole result (more than max_result_window), in the
 * request's sort, with its columns, formula cells neutralized and RFC 4180 quoting; NDJSON too; a
 * refused sort is a 400 before any row. OpenSearch pages on a point in time.
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

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'test-api-token-0123456789abcdef';
const logger = pino({ level: 'silent' });
const DOCS = 12_000;
const T0 = Date.now() - 3_600_000;
const HYPERLINK = '=HYPERLINK("http://evil.example/?x=1","click")';

function seedDocument(i: number): IndexedDocument {
  const full_log = i === 7 ? HYPERLINK : i === 9 ? 'a "quoted", comma\r\nand a line break' : `sshd[${i}]: Failed password for user${i % 100}`;
  const message = JSON.stringify({
    rule: { level: 3 + (i % 8), sidid: 5700 + (i % 30), comment: `Rule ${i % 30}`, group: ['syslog', 'sshd'] },
    srcuser: i === 8 ? '@SUM(1+1)' : `user${i % 100}`,
    ...(i % 10 === 0 ? {} : { srcip: `10.0.${i % 250}.${i % 200}` }),
    full_log,
  });
  return documentFromLogEvent({ eventId: cloudWatchEventId(T0 + i * 100, i), timestampMs: T0 + i * 100, message, owner: '123456789012', logGroup: 'seed', logStream: `i-${i % 20}` });
}

const docs = Array.from({ length: DOCS }, (_, i) => seedDocument(i));

async function exportOf(server: RunningServer, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.url}/api/export`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ from: 'now-2h', to: 'now', ...body }) });
}

function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...DEFAULTS, port: 0, dataDir: join(tmp, `data-${Math.random().toString(36).slice(2)}`), apiTokens: [TOKEN], ...overrides };
}

describe.each(['embedded', 'opensearch'] as const)('POST /api/export on the %s backend', (backend) => {
  let server: RunningServer;
  let pair: OpenSearchPair | undefined;

  beforeAll(async () => {
    if (backend === 'embedded') {
      server = await startServer(config(), { logger });
      for (let start = 0; start < DOCS; start += 4000) await server.index.write(docs.slice(start, start + 4000));
    } else {
      const url = await sharedOpenSearch();
      pair = await openSearchPair();
      for (let start = 0; start < DOCS; start += 4000) expect(await pair.write(docs.slice(start, start + 4000))).toMatchObject({ written: Math.min(4000, DOCS - start) });
      server = await startServer(config({ backend: 'opensearch', openSearch: { url, indexPrefix: pair.prefix } }), { logger });
    }
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await pair?.close();
  });

  it('streams every matching alert as CSV (past 10,000), in the sort asked, with the columns, a file name and the total', async () => {
    const response = await exportOf(server, { query: '', format: 'csv', columns: ['@timestamp', 'rule.level', 'srcip', 'srcuser', 'full_log'], sort: 'rule.level:asc' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="hidsmon-[0-9TZ-]+\.csv"$/);
    expect(response.headers.get('x-total-count')).toBe(String(DOCS));
    const records = parseCsv(await response.text());
    expect(records[0]).toEqual(['@timestamp', 'rule.level', 'srcip', 'srcuser', 'full_log']);
    const rows = records.slice(1);
    expect(rows).toHaveLength(DOCS);
    // Every alert once, by level ascending, then newest first.
    const times = rows.map((r) => Date.parse(r[0] as string));
    expect(new Set(rows.map((r) => `${r[0]}|${r[3]}|${r[4]}`)).size).toBe(DOCS);
    const levels = rows.map((r) => Number(r[1]));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    for (let i = 1; i < rows.length; i++) if (levels[i] === levels[i - 1]) expect(times[i]).toBeLessThanOrEqual(times[i - 1] as number);
    // Formulas are text; quotes, commas and line breaks survive the quoting.
    expect(rows.find((r) => r[4]?.includes('HYPERLINK'))?.[4]).toBe(`'${HYPERLINK}`);
    expect(rows.some((r) => r[3] === "'@SUM(1+1)")).toBe(true);
    expect(rows.some((r) => r[4] === 'a "quoted", comma\r\nand a line break')).toBe(true);
    expect(rows.filter((r) => r[2] === '').length).toBe(DOCS / 10);
  }, 120_000);

  it('streams NDJSON: the chosen columns, or whole documents with their index and id', async () => {
    const query = 'rule.level:>=9';
    const expected = docs.filter((d) => (d.document['rule'] as { level: number }).level >= 9).length;
    const picked = (await (await exportOf(server, { query, format: 'ndjson', columns: ['rule.level', 'srcip'] })).text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(picked).toHaveLength(expected);
    expect(picked.every((r) => Object.keys(r).every((k) => k === 'rule.level' || k === 'srcip') && (r['rule.level'] as number) >= 9)).toBe(true);
    const whole = (await (await exportOf(server, { query, format: 'ndjson' })).text()).trim().split('\n').map((l) => JSON.parse(l) as { _index: string; _id: string; _source: { '@id': string } });
    expect(whole).toHaveLength(expected);
    expect(new Set(whole.map((w) => w._source['@id'])).size).toBe(expected);
    expect(whole[0]?._index).toMatch(/^cwl-\d{4}\.\d{2}\.\d{2}$/);
  }, 60_000);

  it('stops when the client goes away: the export ends (on OpenSearch its point in time is closed) and the server answers on', async () => {
    const openPits = async (): Promise<number> => {
      if (!pair) return 0;
      const answer = await pair.client.transport.request({ method: 'GET', path: '/_search/point_in_time/_all' });
      return ((answer.body as { pits?: unknown[] }).pits ?? []).length;
    };
    const before = await openPits();
    const abort = new AbortController();
    const response = await fetch(`${server.url}/api/export`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: 'now-2h', to: 'now', query: '', format: 'csv' }),
      signal: abort.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    if (pair) expect(await openPits()).toBe(before + 1);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    // Within a few seconds (a page being read finishes first), the point in time is gone.
    const deadline = Date.now() + 15_000;
    while ((await openPits()) > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await openPits()).toBe(before);
    const after = await fetch(`${server.url}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '', from: 'now-2h', to: 'now', size: 0 }) });
    expect(((await after.json()) as { total: number }).total).toBe(DOCS);
  }, 60_000);

  it('answers 400 for a sort on a text field, a bad format and a bad query, before any row', async () => {
    const text = await exportOf(server, { query: '', sort: { field: 'full_log', order: 'asc' } });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: { message: string } }).error.message).toMatch(/full_log\.keyword/);
    expect((await exportOf(server, { query: '', format: 'xlsx' })).status).toBe(400);
    expect((await exportOf(server, { query: 'rule.level:(' })).status).toBe(400);
  });
});
