/**
 * Alert JSON is data: every `Object.prototype` member name (and `__proto__`) as a field name, at
 * several depths and with every kind of value, goes through parse → normalize → document → the
 * DuckDB store → search, terms aggregation and the field catalog, and comes back whole.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

/** `constructor`, `toString`, `valueOf`, `hasOwnProperty`, `__proto__`, `__defineGetter__`, … */
const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])].sort();
const BASE_MS = Date.UTC(2026, 10, 30, 12, 0, 0);

type Json = unknown;

/** An object with these own keys; `{ [k]: v }` would do too, `o[k] = v` would not (the `__proto__` setter). */
function own(entries: ReadonlyArray<readonly [string, Json]>): Record<string, Json> {
  const o: Record<string, Json> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  return o;
}

function put(target: unknown, key: string, value: Json): void {
  Object.defineProperty(target as object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The own value at a path of keys, or a sentinel: an inherited member never counts. */
const ABSENT = Symbol('absent');
function ownAt(doc: unknown, keys: readonly string[]): unknown {
  let node = doc;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) return ABSENT;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function query(text: string): SearchRequest['query'] {
  const parsed = parseQueryInput(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.value;
}

function alertBase(format: 'ossec-json' | 'wazuh-json', i: number, ms: number): Record<string, Json> {
  const id = `${Math.floor(ms / 1000)}.${1000 + i}`;
  const full_log = `Dec  1 12:00:00 host sshd[${i}]: Failed password for invalid user u${i} from 10.0.0.${i % 250} port 22 ssh2`;
  if (format === 'ossec-json') {
    return { rule: { level: 5, sidid: 5710, comment: 'Attempt to login using a non-existent user', group: 'syslog,sshd,invalid_login,' }, id, TimeStamp: ms, location: '/var/log/auth.log', hostname: 'host-a', full_log, srcip: `10.0.0.${i % 250}`, decoder: 'sshd' };
  }
  return {
    timestamp: new Date(ms).toISOString().replace('Z', '+0000'),
    rule: { level: 5, description: 'sshd: Attempt to login using a non-existent user', id: '5710', groups: ['syslog', 'sshd', 'invalid_login'] },
    agent: { id: '001', name: 'host-b' },
    manager: { name: 'wazuh-manager' },
    id,
    full_log,
    decoder: { parent: 'sshd', name: 'sshd' },
    data: { srcip: `10.0.0.${i % 250}`, srcuser: `u${i}` },
    location: '/var/log/auth.log',
  };
}

type Kind = 'string' | 'number' | 'array' | 'object' | 'objects';
type Placement = 'top' | 'rule' | 'data' | 'deep' | 'twice';
const KINDS: readonly Kind[] = ['string', 'number', 'array', 'object', 'objects'];
const PLACEMENTS: readonly Placement[] = ['top', 'rule', 'data', 'deep', 'twice'];

interface Case {
  name: string;
  placement: Placement;
  format: 'ossec-json' | 'wazuh-json';
  keys: string[];
  value: Json;
  /** Leaf paths (as keys) with the values one can search them for. */
  leaves: Array<{ keys: string[]; values: Array<string | number> }>;
  doc: IndexedDocument;
}

/** A value unique to document `i`, so that a search for it finds that document and no other. */
function valueOf(kind: Kind, name: string, i: number): { value: Json; leaves: Array<{ keys: string[]; values: Array<string | number> }> } {
  switch (kind) {
    case 'string':
      return { value: `s-${i}`, leaves: [{ keys: [], values: [`s-${i}`] }] };
    case 'number':
      return { value: 1000 + i, leaves: [{ keys: [], values: [1000 + i] }] };
    case 'array':
      return { value: [`a-${i}`, `b-${i}`], leaves: [{ keys: [], values: [`a-${i}`, `b-${i}`] }] };
    case 'object':
      return { value: own([[name, `in-${i}`], ['plain', `p-${i}`]]), leaves: [{ keys: [name], values: [`in-${i}`] }, { keys: ['plain'], values: [`p-${i}`] }] };
    case 'objects':
      // Arrays of objects are kept in the document but not catalogued (no nested type here).
      return { value: [own([[name, `o-${i}`]])], leaves: [] };
  }
}

function buildCases(kind: Kind): Case[] {
  const cases: Case[] = [];
  NAMES.forEach((name, n) => {
    PLACEMENTS.forEach((placement, p) => {
      const i = cases.length;
      const ms = BASE_MS + i * 1000;
      // Wazuh for `data` (its decoded-fields object); the others alternate between the two flavors.
      const format = placement === 'data' || (n + p) % 2 === 1 ? 'wazuh-json' : 'ossec-json';
      const alert = alertBase(format, i, ms);
      const { value, leaves } = valueOf(kind, name, i);
      let keys: string[];
      if (placement === 'top') {
        put(alert, name, value);
        keys = [name];
      } else if (placement === 'rule') {
        put(alert['rule'], name, value);
        keys = ['rule', name];
      } else if (placement === 'data') {
        put(alert['data'], name, value);
        keys = ['data', name];
      } else if (placement === 'deep') {
        alert['win'] = { eventdata: own([[name, value]]), system: { channel: 'Security' } };
        keys = ['win', 'eventdata', name];
      } else {
        put(alert, name, own([[name, value]]));
        keys = [name, name];
      }
      // The test's own building must not go through a `__proto__` setter either.
      expect(ownAt(alert, keys)).toEqual(value);
      const message = JSON.stringify(alert);
      const doc = documentFromLogEvent({ eventId: cloudWatchEventId(ms, i), timestampMs: ms, message, owner: '123456789012', logGroup: 'hids-alerts', logStream: `i-proto-${kind}` });
      cases.push({ name, placement, format, keys, value, leaves: leaves.map((l) => ({ keys: [...keys, ...l.keys], values: l.values })), doc });
    });
  });
  return cases;
}

describe.each(KINDS)('prototype-named fields holding %s values', (kind) => {
  let store: DuckDbStore;
  let cases: Case[];
  beforeAll(async () => {
    cases = buildCases(kind);
    store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    await store.write(cases.map((c) => c.doc));
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps them through parse and normalize, as own fields of the document', () => {
    for (const c of cases) {
      expect(c.doc.document.hidsmon.format, `${c.name} in ${c.placement}`).toBe(c.format);
      expect(c.doc.document.hidsmon.flags, `${c.name} in ${c.placement}`).toBeUndefined();
      expect(ownAt(c.doc.document, c.keys), `${c.name} in ${c.placement}`).toEqual(c.value);
    }
  });

  it('indexes every document and reads each back exactly as written', async () => {
    const result = await store.search({ query: { kind: 'match_all' }, size: cases.length + 10 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.total).toBe(cases.length);
    const byId = new Map(result.value.hits.map((h) => [h.id, h]));
    for (const c of cases) {
      const hit = byId.get(c.doc.id);
      expect(hit, `${c.name} in ${c.placement}`).toBeDefined();
      expect(hit!.document, `${c.name} in ${c.placement}`).toEqual(JSON.parse(JSON.stringify(c.doc.document)));
      expect(ownAt(hit!.document, c.keys), `${c.name} in ${c.placement}`).toEqual(c.value);
    }
  });

  it('finds each field with _exists_ and by its value, and aggregates its values', async () => {
    for (const c of cases) {
      for (const leaf of c.leaves) {
        const path = leaf.keys.join('.');
        const exists = await store.search({ query: query(`_exists_:${path}`), size: 100 });
        if (!exists.ok) throw new Error(`${path}: ${exists.error.message}`);
        expect(exists.value.hits.map((h) => h.id), `_exists_:${path}`).toContain(c.doc.id);
        for (const value of leaf.values) {
          const text = `${path}:${typeof value === 'number' ? value : `"${value}"`}`;
          const found = await store.search({ query: query(text), size: 10 });
          if (!found.ok) throw new Error(`${text}: ${found.error.message}`);
          expect(found.value.hits.map((h) => h.id), text).toEqual([c.doc.id]);
        }
        const terms = await store.search({ query: { kind: 'match_all' }, size: 0, aggregations: { top: { type: 'terms', field: path, size: 1000 } } });
        if (!terms.ok) throw new Error(`terms ${path}: ${terms.error.message}`);
        const top = terms.value.aggregations['top'];
        const buckets = top?.type === 'terms' ? top.buckets : [];
        for (const value of leaf.values) expect(buckets, `terms on ${path}`).toContainEqual({ key: value, count: 1 });
      }
    }
  });

  it('lists each field in the catalog with its type', async () => {
    const fields = new Map((await store.fields()).map((f) => [f.name, f.type]));
    for (const c of cases) {
      for (const leaf of c.leaves) {
        expect(fields.get(leaf.keys.join('.')), leaf.keys.join('.')).toBe(kind === 'number' ? 'long' : 'keyword');
      }
    }
  });

  it('names aggregations after them too', async () => {
    const aggregations = Object.fromEntries(NAMES.map((n) => [n, { type: 'cardinality' as const, field: '@log_stream' }]));
    const result = await store.search({ query: { kind: 'match_all' }, size: 0, aggregations });
    if (!result.ok) throw new Error(result.error.message);
    expect(Object.keys(result.value.aggregations).sort()).toEqual(NAMES);
    for (const n of NAMES) expect(Object.hasOwn(result.value.aggregations, n) && result.value.aggregations[n]).toEqual({ type: 'cardinality', value: 1 });
  });
});

/** Random trees whose keys are mostly prototype names, anywhere in an alert. */
describe('random documents keyed by prototype names', () => {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.constantFrom('a', 'plain', 'x_1') });
  const leaf = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }));
  const { tree } = fc.letrec<{ tree: Record<string, Json>; value: Json }>((tie) => ({
    tree: fc.uniqueArray(fc.tuple(key, tie('value')), { minLength: 1, maxLength: 4, selector: ([k]) => k }).map(own),
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('tree')),
  }));
  const where = fc.constantFrom<Placement>('top', 'rule', 'data', 'deep');

  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('reads back what was written, and finds every leaf with _exists_', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tree, where, fc.boolean(), async (subtree, placement, wazuh) => {
        const i = run++;
        const ms = BASE_MS + 86_400_000 + i * 1000;
        const alert = alertBase(wazuh || placement === 'data' ? 'wazuh-json' : 'ossec-json', i, ms);
        const keys = placement === 'top' ? [] : placement === 'deep' ? ['win', 'eventdata'] : [placement];
        if (placement === 'deep') alert['win'] = { eventdata: {} };
        const target = ownAt(alert, keys) as Record<string, Json>;
        for (const k of Object.keys(subtree)) put(target, k, subtree[k]);
        const doc = documentFromLogEvent({ eventId: cloudWatchEventId(ms, i), timestampMs: ms, message: JSON.stringify(alert), owner: 'o', logGroup: 'hids-alerts', logStream: 'i-random' });
        for (const k of Object.keys(subtree)) expect(ownAt(doc.document, [...keys, k])).toEqual(subtree[k]);
        await store.write([doc]);
        const found = await store.search({ query: query(`@log_stream:"i-random" AND @timestamp:"${new Date(ms).toISOString()}"`), size: 10 });
        if (!found.ok) throw new Error(found.error.message);
        expect(found.value.hits.map((h) => h.id)).toEqual([doc.id]);
        expect(found.value.hits[0]!.document).toEqual(JSON.parse(JSON.stringify(doc.document)));
        const leaves: string[][] = [];
        const walk = (node: Json, path: string[]): void => {
          if (typeof node === 'object' && node !== null && !Array.isArray(node)) for (const k of Object.keys(node)) walk((node as Record<string, Json>)[k], [...path, k]);
          else leaves.push(path);
        };
        walk(subtree, keys);
        for (const path of leaves) {
          const exists = await store.search({ query: query(`_exists_:${path.join('.')} AND @log_stream:"i-random"`), size: 1000 });
          if (!exists.ok) throw new Error(exists.error.message);
          expect(exists.value.hits.map((h) => h.id), `_exists_:${path.join('.')}`).toContain(doc.id);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('alerts.log records with prototype-named labels and decoded fields', () => {
  it('keeps each as an own field, through the store', async () => {
    const ms = BASE_MS + 2 * 86_400_000;
    const lower = NAMES.filter((n) => /^[a-z][a-z0-9_.]*$/.test(n)); // the decoded-field lines Wazuh prints are lower case
    expect(lower).toContain('constructor');
    const record = [
      `** Alert ${ms / 1000}.777: - syslog,sshd,invalid_login,`,
      '2026 Dec 02 12:00:00 (host-c) 10.0.0.3->/var/log/auth.log',
      ...NAMES.map((n) => `${n}: label-${n}`),
      "Rule: 5710 (level 5) -> 'sshd: Attempt to login using a non-existent user'",
      'Src IP: 10.0.0.3',
      'Dec  2 12:00:00 host-c sshd[9]: Failed password for invalid user admin from 10.0.0.3 port 22 ssh2',
      ...lower.map((n) => `${n}: decoded-${n}`),
    ].join('\n');
    const doc = documentFromLogEvent({ eventId: cloudWatchEventId(ms, 1), timestampMs: ms, message: record, owner: 'o', logGroup: 'hids-alerts', logStream: 'i-alerts-log' });
    expect(doc.document.hidsmon.format).toBe('alerts-log');
    for (const n of NAMES) expect(ownAt(doc.document, ['agent', 'labels', n]), n).toBe(`label-${n}`);
    for (const n of lower) expect(ownAt(doc.document, ['data', n]), n).toBe(`decoded-${n}`);
    expect(doc.document['full_log']).toBe('Dec  2 12:00:00 host-c sshd[9]: Failed password for invalid user admin from 10.0.0.3 port 22 ssh2');

    const store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    try {
      await store.write([doc]);
      const found = await store.search({ query: query('agent.labels.__proto__:"label-__proto__" AND data.constructor:"decoded-constructor"'), size: 10 });
      if (!found.ok) throw new Error(found.error.message);
      expect(found.value.hits.map((h) => h.id)).toEqual([doc.id]);
      expect(found.value.hits[0]!.document).toEqual(JSON.parse(JSON.stringify(doc.document)));
    } finally {
      await store.close();
    }
  });
});

describe('dotted keys through a prototype name', () => {
  it('are expanded as data, never onto Object.prototype', async () => {
    const ms = BASE_MS + 3 * 86_400_000;
    // Before the fix, the store's dotted-key expansion walked into Object.prototype and set `isAdmin` there.
    const message = JSON.stringify({ rule: { level: 3, sidid: 1002, comment: 'x' }, id: `${ms / 1000}.5`, full_log: 'x', data: { '__proto__.isAdmin': true, 'constructor.prototype.isAdmin': true } });
    const doc = documentFromLogEvent({ eventId: cloudWatchEventId(ms, 5), timestampMs: ms, message, owner: 'o', logGroup: 'hids-alerts', logStream: 'i-dotted' });
    const store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    try {
      await store.write([doc]);
      expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
      expect(Object.hasOwn(Object.prototype, 'isAdmin')).toBe(false);
      const found = await store.search({ query: query('data.__proto__.isAdmin:true AND _exists_:data.constructor.prototype.isAdmin'), size: 10 });
      if (!found.ok) throw new Error(found.error.message);
      expect(found.value.hits.map((h) => h.id)).toEqual([doc.id]);
      expect(ownAt(found.value.hits[0]!.document, ['data', '__proto__', 'isAdmin'])).toBe(true);
      expect(ownAt(found.value.hits[0]!.document, ['data', 'constructor', 'prototype', 'isAdmin'])).toBe(true);
    } finally {
      await store.close();
    }
  });
});
