/**
 * The query API's names are snake_case on the wire (issue 13 item 9): a search with every kind of
 * aggregation (a histogram with a terms sub-aggregation, terms with missing and metrics,
 * cardinality) and the dead letters answer with no camelCase key anywhere outside the documents
 * and the caller's own aggregation names; the values are the backend's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../config/server-config.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { serverMetrics } from '../../telemetry/metrics.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import type { SearchResponse } from '../contract.js';
import { createQueryApi } from './query-api.js';
import { deadLetterJson } from './wire.js';

const T0 = Date.UTC(2026, 10, 30, 12);
let store: DuckDbStore;
let api: ReturnType<typeof createQueryApi>;

beforeAll(async () => {
  store = await DuckDbStore.open({ path: ':memory:', now: () => T0 + 3_600_000, limits: DEFAULT_LIMITS });
  const docs = [5, 7, 7, 10].map((level, i) => documentFromLogEvent({ eventId: cloudWatchEventId(T0 + i * 60_000, i), timestampMs: T0 + i * 60_000, message: JSON.stringify({ rule: { level, comment: `c${level}` }, ...(i % 2 ? { srcip: '10.0.0.1' } : {}) }), owner: '1', logGroup: 'g', logStream: `s${i % 2}` }));
  expect(await store.write(docs)).toMatchObject({ kind: 'ok', written: 4 });
  const letter = { id: 1, timeMs: T0, destination: 'd', reason: 'mapping', logGroup: 'g', logStream: 's0', eventId: '7', timestamp: T0, message: '{}' };
  api = createQueryApi({ backend: store, now: () => T0 + 3_600_000, metrics: serverMetrics(), ingestStatus: async () => ({ log: { groups: 0, streams: 0, events: 0, stored_bytes: 0, last_sequence: 0 }, streams: [], forwarder: [], dead_letters: 0 }), deadLetters: async () => [deadLetterJson(letter)] });
});
afterAll(async () => store.close());

/** Every key of `value`, by path, leaving out documents and the keys under `aggregations` (the caller's names). */
function keys(value: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => keys(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'document') continue;
      const named = path.endsWith('aggregations') || path.endsWith('metrics');
      if (!named) out.push(`${path}.${k}`);
      keys(v, `${path}.${named ? '<name>' : k}`, out);
    }
  }
  return out;
}

describe('the wire names', () => {
  it('are snake_case in a search with every aggregation and in the dead letters', async () => {
    const response = await api.request('/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '',
        from: T0 - 60_000,
        to: T0 + 3_600_000,
        size: 2,
        aggregations: {
          overTime: { type: 'date_histogram', interval_ms: 120_000, aggregations: { byLevel: { type: 'terms', field: 'rule.level' } } },
          levels: { type: 'terms', field: 'rule.level', size: 1, metrics: { lastSeen: { type: 'max', field: '@timestamp' } } },
          ips: { type: 'terms', field: 'srcip', missing: '(none)' },
          hosts: { type: 'cardinality', field: '@log_stream' },
        },
      }),
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as SearchResponse;
    const letters = await (await api.request('/dead-letters')).json();
    const all = [...keys(json, '', []), ...keys(letters, '', [])];
    expect(all.filter((k) => /[A-Z]/.test(k.split('.').pop() ?? ''))).toEqual([]);
    const overTime = json.aggregations['overTime'];
    expect(overTime).toMatchObject({ type: 'date_histogram', interval_ms: 120_000 });
    if (overTime?.type !== 'date_histogram') throw new Error('not a histogram');
    const filled = overTime.buckets.filter((b) => b.count > 0);
    expect(filled.map((b) => [b.key_ms, b.count])).toEqual([[T0, 2], [T0 + 120_000, 2]]);
    expect(filled[0]?.aggregations?.['byLevel']).toMatchObject({ type: 'terms', buckets: [{ key: 5, count: 1 }, { key: 7, count: 1 }], other_count: 0 });
    expect(json.aggregations['levels']).toMatchObject({ type: 'terms', buckets: [{ key: 7, count: 2, metrics: { lastSeen: T0 + 2 * 60_000 } }], other_count: 2 });
    expect(json.aggregations['hosts']).toEqual({ type: 'cardinality', value: 2 });
    expect(letters).toEqual({ dead_letters: [{ id: 1, time_ms: T0, destination: 'd', reason: 'mapping', log_group: 'g', log_stream: 's0', event_id: '7', timestamp: T0, message: '{}' }] });
  });
});
