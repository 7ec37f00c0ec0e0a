import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

const T0 = Date.UTC(2024, 2, 2, 12);

function alert(i: number, fields: Record<string, unknown>): IndexedDocument {
  const message = JSON.stringify({ rule: { level: 3, sidid: 5700 + (i % 7), comment: 'Test alert' }, location: '/var/log/secure', ...fields });
  return documentFromLogEvent({ eventId: cloudWatchEventId(T0 + i, i), timestampMs: T0 + i, message, owner: '123456789012', logGroup: 'hids-alerts', logStream: `i-${i % 3}` });
}

function query(text: string | object): SearchRequest['query'] {
  const parsed = parseQueryInput(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

async function ids(store: DuckDbStore, text: string | object): Promise<string[]> {
  const result = await store.search({ query: query(text), size: 100 });
  if (!result.ok) throw new Error(result.error.message);
  return result.value.hits.map((h) => h.document['@id']).sort();
}

async function refusal(store: DuckDbStore, request: SearchRequest): Promise<string> {
  const result = await store.search(request);
  if (result.ok) throw new Error('the search was accepted');
  return result.error.message;
}

describe('regular expressions and fuzzy terms run in DuckDB, in linear time', () => {
  let store: DuckDbStore;
  const docs = [
    alert(0, { full_log: `sshd: ${'a'.repeat(4000)} done`, srcuser: 'a'.repeat(60) }),
    alert(1, { full_log: 'Did not receive identification string', srcuser: 'root' }),
    alert(2, { full_log: 'Did not recieve identification', srcuser: 'Admin' }),
    alert(3, { full_log: 'reciev recieva receiver', srcuser: 'admin' }),
    alert(4, { full_log: 'x', srcuser: 'adm1n' }),
  ];
  const id = (i: number): string => docs[i]!.document['@id'];
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', limits: { maxFuzzyExpansions: 2 } });
    await store.write(docs);
  });
  afterAll(() => store.close());

  it('a catastrophic-backtracking pattern answers at once, on text and keyword fields', async () => {
    // A backtracking engine needs 2^4000 steps for this on doc 0's token; RE2 needs one pass.
    const started = performance.now();
    expect(await ids(store, 'full_log:/(a+)+b/')).toEqual([]);
    expect(await ids(store, 'srcuser:/(a+)+b/')).toEqual([]);
    expect(await ids(store, 'full_log:/(a+)+/')).toEqual([id(0)]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('match whole tokens on text fields, lower-cased', async () => {
    expect(await ids(store, 'full_log:/RECEIVE/')).toEqual([id(1)]);
    expect(await ids(store, 'full_log:/rec.*/')).toEqual([id(1), id(2), id(3)]);
    expect(await ids(store, 'full_log:/ident/')).toEqual([]);
    expect(await ids(store, 'srcuser:/admin/')).toEqual([id(3)]);
  });

  it('fuzzy on text takes the closest index terms, at most max_expansions of them', async () => {
    // Within one edit of "recieve": recieve (0), then receive, reciev, recieva (1 each, in term order).
    // With two expansions, recieve and receive: doc 3 (reciev, recieva) is left out, as in Lucene.
    expect(await ids(store, 'full_log:recieve~1')).toEqual([id(1), id(2)]);
    // On a keyword too: admin (0), then Admin and adm1n (1 each; Admin sorts first).
    expect(await ids(store, 'srcuser:admin~1')).toEqual([id(2), id(3)]);
    const wide = await DuckDbStore.open({ path: ':memory:' });
    await wide.write(docs);
    expect(await ids(wide, 'full_log:recieve~1')).toEqual([id(1), id(2), id(3)]);
    expect(await ids(wide, 'srcuser:admin~1')).toEqual([id(2), id(3), id(4)]);
    await wide.close();
  });

  it('refuses a pattern with its position, and one RE2 finds too complex', async () => {
    // A pattern Lucene cannot parse is a syntax error pointing into the query text.
    const bad = parseQueryInput('full_log:/a[b/');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.kind).toBe('syntax');
      expect(bad.error.position).toBe('full_log:/'.length + 3);
      expect(bad.error.message).toMatch(/expected '\]' at position 3/);
    }
    const huge = await store.search({ query: query('srcuser:/((a{100}){100}){100}/'), size: 1 });
    expect(huge.ok).toBe(false);
    if (!huge.ok) expect(huge.error.message).toMatch(/too complex for the linear-time engine/);
    const long = parseQueryInput(`srcuser:/${'a'.repeat(1001)}/`);
    expect(!long.ok && long.error.message).toMatch(/over the maximum of 1000/);
  });
});

describe('query cost limits', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', limits: { maxResultWindow: 50, maxFields: 5 } });
    await store.write(Array.from({ length: 20 }, (_, i) => alert(i, { srcuser: `user${i}`, full_log: `line ${i}` })));
  });
  afterAll(() => store.close());

  it('takes 65,536 terms at once and refuses one more', async () => {
    const values = Array.from({ length: 65_536 }, (_, i) => `user${i}`);
    const started = performance.now();
    const result = await store.search({ query: query({ terms: { srcuser: values } }), size: 0 });
    expect(result.ok && result.value.total).toBe(20);
    expect(performance.now() - started).toBeLessThan(10_000);
    const message = await refusal(store, { query: query({ terms: { srcuser: [...values, 'one-more'] } }), size: 0 });
    expect(message).toMatch(/65537 values, over the limit of 65536 \(max_terms_count/);
  });

  it('refuses more than 1,024 clauses', async () => {
    const ok = await store.search({ query: query(Array.from({ length: 1024 }, (_, i) => `srcuser:user${i}`).join(' OR ')), size: 0 });
    expect(ok.ok && ok.value.total).toBe(20);
    const message = await refusal(store, { query: query(Array.from({ length: 1025 }, (_, i) => `srcuser:user${i}`).join(' OR ')), size: 0 });
    expect(message).toMatch(/1025 clauses, over the limit of 1024 \(max_clause_count/);
  });

  it('refuses more than 65,535 buckets', async () => {
    const day = { fromMs: T0 - 43_200_000, toMs: T0 + 43_200_000 - 1 };
    expect(await refusal(store, { query: { kind: 'match_all' }, size: 0, timeRange: day, aggregations: { h: { type: 'date_histogram', intervalMs: 1000 } } })).toMatch(/86400 buckets, over the limit of 65535 \(max_buckets/);
    const many = Object.fromEntries(Array.from({ length: 66 }, (_, i) => [`t${i}`, { type: 'terms' as const, field: 'srcuser', size: 1000 }]));
    expect(await refusal(store, { query: { kind: 'match_all' }, size: 0, aggregations: many })).toMatch(/66000 buckets/);
    const fine = await store.search({ query: { kind: 'match_all' }, size: 0, timeRange: day, aggregations: { h: { type: 'date_histogram', intervalMs: 2000 } } });
    expect(fine.ok).toBe(true);
  });

  it('refuses more hits than max_result_window', async () => {
    expect(await refusal(store, { query: { kind: 'match_all' }, size: 51 })).toMatch(/from 0 to 50 \(max_result_window\)/);
  });

  it('catalogues at most max_fields field names and keeps the others in the documents', async () => {
    const capped = await DuckDbStore.open({ path: ':memory:', limits: { maxFields: 4 } });
    const wide = alert(100, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`extra${i}`, `v${i}`])));
    await capped.write([wide]);
    const dynamic = (await capped.fields()).filter((f) => f.name.startsWith('extra'));
    expect(dynamic.length).toBeLessThanOrEqual(4);
    expect(dynamic.length).toBeGreaterThan(0);
    const hit = await capped.search({ query: { kind: 'match_all' }, size: 1 });
    expect(hit.ok && hit.value.hits[0]?.document['extra9']).toBe('v9');
    await capped.close();
  });
});

describe('searches side by side, and the search timeout', () => {
  let store: DuckDbStore;
  const slowQuery = (): SearchRequest => ({ query: query('full_log:zzzzzzzzzq~2 OR @message:qqqqqqqqqz~2 OR full_log:/.*q.*z.*q.*/'), size: 10, aggregations: { u: { type: 'cardinality', field: 'srcuser' } } });
  beforeAll(async () => {
    // One read connection: the search after the timeout runs on the very connection that was
    // interrupted, and only once DuckDB has stopped the statement.
    store = await DuckDbStore.open({ path: ':memory:', limits: { searchTimeoutMs: 300 }, readConnections: 1 });
    const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(12);
    for (let batch = 0; batch < 6; batch++) {
      await store.write(Array.from({ length: 5000 }, (_, j) => alert(batch * 5000 + j, { srcuser: `u${j % 500}`, full_log: `${filler} token${batch * 5000 + j}` })));
    }
  }, 120_000);
  afterAll(() => store.close());

  it('stops a search at the timeout by interrupting DuckDB, and the store answers the next one at once', async () => {
    const started = performance.now();
    const result = await store.search(slowQuery());
    const took = performance.now() - started;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/longer than 300 ms \(search_timeout_ms\) and was stopped/);
    expect(took).toBeLessThan(3000);
    const after = performance.now();
    const cheap = await store.search({ query: query('srcuser:u7'), size: 5 });
    expect(cheap.ok && cheap.value.total).toBe(60);
    expect(performance.now() - after).toBeLessThan(2000);
  });

  it('answers a cheap search while a slow one runs', async () => {
    const unbounded = await DuckDbStore.open({ path: ':memory:', limits: { searchTimeoutMs: 0 } });
    const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(12);
    await unbounded.write(Array.from({ length: 20_000 }, (_, j) => alert(j, { srcuser: `u${j % 500}`, full_log: `${filler} token${j}` })));
    let slowDone = 0;
    const slow = unbounded.search(slowQuery()).then((r) => {
      slowDone = performance.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    const cheap = await unbounded.search({ query: query('srcuser:u7'), size: 5 });
    const cheapDone = performance.now();
    expect(cheap.ok && cheap.value.total).toBe(40);
    expect((await slow).ok).toBe(true);
    expect(cheapDone).toBeLessThan(slowDone);
    await unbounded.close();
  }, 60_000);
});
