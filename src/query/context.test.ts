import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSearchPair, type OpenSearchPair } from '../../test/support/opensearch-pair.js';
import { cloudWatchEventId } from '../core/ids.js';
import type { IndexedDocument } from '../core/document.js';
import { DuckDbStore } from '../sinks/duckdb/store.js';
import { documentFromLogEvent } from '../transforms/to-document.js';
import { documentContext } from './context.js';
import type { Hit, SearchBackend } from './search-api.js';

const T0 = Date.UTC(2024, 2, 2, 12, 0, 0);
let seq = 0;
function event(stream: string, timestampMs: number, message: string): IndexedDocument {
  seq++;
  return documentFromLogEvent({ eventId: cloudWatchEventId(timestampMs, seq), timestampMs, message, owner: '000000000000', logGroup: 'hids-alerts', logStream: stream });
}
/** An OSSEC alert with its own id: its document id is a hash of group, stream and that id. */
const alert = (stream: string, atMs: number, n: number): IndexedDocument =>
  event(stream, atMs, JSON.stringify({ rule: { level: 3 + (n % 10), comment: `alert ${n}`, sidid: 5716 }, id: `${Math.floor(atMs / 1000)}.${n}`, srcip: '10.0.0.1', full_log: `line ${n}` }));

/** Host A: 20 alerts a second apart (two in the same millisecond), a heartbeat and a non-alert line between; host B interleaved. */
function documents(): IndexedDocument[] {
  const docs: IndexedDocument[] = [];
  for (let n = 0; n < 20; n++) docs.push(alert('i-host-a', T0 + n * 1000 + (n === 11 ? -1000 : 0), n));
  for (let n = 0; n < 20; n++) docs.push(alert('i-host-b', T0 + n * 1000 + 500, 100 + n));
  docs.push(event('i-host-a', T0 + 9_500, JSON.stringify({ hidsmon: { heartbeat: true, version: '1' } })));
  docs.push(event('i-host-a', T0 + 10_500, 'not an alert, a plain line'));
  return docs;
}

describe('document context and permanent links, on both backends', () => {
  let os: OpenSearchPair;
  let db: DuckDbStore;
  let backends: Array<[string, SearchBackend]>;

  beforeAll(async () => {
    os = await openSearchPair();
    db = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    const docs = documents();
    expect(await os.write(docs)).toMatchObject({ written: docs.length });
    expect(await db.write(docs)).toMatchObject({ written: docs.length });
    backends = [
      ['embedded', db],
      ['opensearch', os],
    ];
  }, 200_000);
  afterAll(async () => {
    await os?.close();
    await db?.close();
  });

  async function hitOf(backend: SearchBackend, comment: string): Promise<Hit> {
    const found = await backend.search({ query: { kind: 'phrase', field: 'rule.comment', value: comment }, size: 1 });
    if (!found.ok || !found.value.hits[0]) throw new Error(`no ${comment}`);
    return found.value.hits[0];
  }

  it('finds a document by index and id (alert-id hashes and event ids), the same hit as a search gives; none for a wrong index or id', async () => {
    const answers: unknown[] = [];
    for (const [name, backend] of backends) {
      const hit = await hitOf(backend, 'alert 7');
      const byId = await backend.document(hit.index, hit.id);
      expect(byId, name).toEqual(hit);
      expect(await backend.document('cwl-2024.03.03', hit.id), name).toBeUndefined();
      expect(await backend.document(hit.index, '0'.repeat(32)), name).toBeUndefined();
      const line = await backend.search({ query: { kind: 'phrase', field: null, value: 'not an alert' }, size: 1 });
      if (!line.ok) throw new Error(line.error.message);
      const plain = line.value.hits[0] as Hit;
      expect(plain.id).toMatch(/^\d{56}$/);
      expect(await backend.document(plain.index, plain.id), name).toEqual(plain);
      answers.push([byId, plain]);
    }
    expect(answers[0]).toEqual(answers[1]);
  });

  it('gives the N alerts before and after on the same host, nearest first, heartbeats and other hosts left out, the same on both backends', async () => {
    const answers: string[][][] = [];
    for (const [name, backend] of backends) {
      const anchor = await hitOf(backend, 'alert 10');
      const context = await documentContext(backend, anchor, 3);
      if (!context.ok) throw new Error(context.error.message);
      const comments = (hits: Hit[]): string[] => hits.map((h) => String((h.document['rule'] as { comment?: string } | undefined)?.comment ?? h.document['@message']));
      // alert 11 is a second early: it shares alert 10's second, after it by id order.
      expect(comments(context.value.older), name).toEqual(['alert 9', 'alert 8', 'alert 7']);
      expect(comments(context.value.newer), name).toEqual(['alert 11', 'not an alert, a plain line', 'alert 12']);
      for (const h of [...context.value.older, ...context.value.newer]) expect(h.document['@log_stream']).toBe('i-host-a');
      answers.push([comments(context.value.older), comments(context.value.newer)]);
      const edge = await documentContext(backend, await hitOf(backend, 'alert 19'), 5);
      if (!edge.ok) throw new Error(edge.error.message);
      expect(edge.value.newer, name).toEqual([]);
      expect(edge.value.older).toHaveLength(5);
    }
    expect(answers[0]).toEqual(answers[1]);
  });
});
