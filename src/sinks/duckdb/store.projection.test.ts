import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

const T = Date.UTC(2024, 2, 2, 12);
const doc = (i: number, rule: Record<string, unknown>) =>
  documentFromLogEvent({ eventId: cloudWatchEventId(T + i, i), timestampMs: T + i, message: JSON.stringify({ rule, srcip: '10.0.0.1', full_log: `line ${i}`, extra: 'x' }), owner: '1', logGroup: 'g', logStream: 's' });

describe('hits read with sourceFields (an export’s columns)', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    await store.write([doc(1, { level: 7, comment: 'seven' }), doc(2, { level: 'high', comment: 'not a number' }), doc(3, { comment: 'no level' })]);
  });
  afterAll(() => store?.close());

  it('give the same values of those fields as whole documents, a value the column could not hold included', async () => {
    const fields = ['@timestamp', 'rule.level', 'rule.comment', 'srcip', 'full_log.keyword'];
    const whole = await store.search({ query: { kind: 'match_all' }, size: 10 });
    const projected = await store.search({ query: { kind: 'match_all' }, size: 10, sourceFields: fields });
    if (!whole.ok || !projected.ok) throw new Error('search failed');
    const pick = (d: Record<string, any>) => [d['@timestamp'], d['rule']?.['level'], d['rule']?.['comment'], d['srcip'], d['full_log'], d['@id']];
    expect(projected.value.hits.map((h) => pick(h.document))).toEqual(whole.value.hits.map((h) => pick(h.document)));
    // The fields not asked for are not read.
    expect(projected.value.hits.find((h) => h.document['rule']?.['level' as never] === 7)?.document['extra' as never]).toBeUndefined();
  });
});
