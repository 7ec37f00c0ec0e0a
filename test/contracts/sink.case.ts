/**
 * @module The sink contract: what every DocumentSink (embedded DuckDB now, OpenSearch next) must do
 * with document identity and per-document outcomes. A sink's test file calls `sinkContractSuite`
 * with a factory; the cases are the same for all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../src/core/document.js';
import { cloudWatchEventId } from '../../src/core/ids.js';
import type { DocumentSink, SearchBackend, WriteResult } from '../../src/query/search-api.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';

export interface ContractSink extends DocumentSink, SearchBackend {
  close(): Promise<void>;
}

const DAY = Date.UTC(2024, 2, 2, 12);

/** An OSSEC alerts.json line (with its own time, as OSSEC writes it); `id` as given (a string, "", or left out with undefined). */
function alertLine(n: number, id: string | undefined): string {
  return JSON.stringify({ rule: { level: 5, sidid: 5715, comment: 'sshd: authentication success.' }, ...(id === undefined ? {} : { id }), TimeStamp: DAY - 3_600_000 + n, full_log: `Accepted password for user${n} from 10.0.0.${n % 250} port 22 ssh2`, hostname: 'web-1' });
}

/** A delivery of a message: each delivery has its own event id and (maybe) its own event time. */
function delivery(message: string, eventSeq: number, eventTimeMs = DAY, logStream = 'i-0contract'): IndexedDocument {
  return documentFromLogEvent({ eventId: cloudWatchEventId(eventTimeMs, eventSeq), timestampMs: eventTimeMs, message, owner: '123456789012', logGroup: 'hids-alerts', logStream });
}

function ok(result: WriteResult): Extract<WriteResult, { kind: 'ok' }> {
  if (result.kind !== 'ok') throw new Error(`the sink answered ${result.kind}: ${result.error.message}`);
  return result;
}

async function total(sink: ContractSink): Promise<number> {
  const found = await sink.search({ query: { kind: 'match_all' }, size: 0 });
  if (!found.ok) throw new Error(found.error.message);
  return found.value.total;
}

export function sinkContractSuite(name: string, open: () => Promise<ContractSink>): void {
  describe(`sink contract: ${name}`, () => {
    let sink: ContractSink | undefined;
    afterEach(async () => {
      await sink?.close();
      sink = undefined;
    });

    it('indexes the same alert once, whether its deliveries come in one batch or in two', async () => {
      sink = await open();
      // Alert ids in OSSEC's <epoch>.<offset> form and in any other form; re-delivered with other
      // event ids and times, one of them on the next day (an agent that re-read its file).
      const lines = [alertLine(1, '1709380800.1001'), alertLine(2, 'host-a:42'), alertLine(3, '1709380800.1003')];
      const first = lines.map((m, i) => delivery(m, i));
      const again = lines.map((m, i) => delivery(m, 100 + i, DAY + 13 * 3_600_000));
      expect(again.map((d) => [d.index, d.id])).toEqual(first.map((d) => [d.index, d.id]));
      expect(ok(await sink.write(first)).written).toBe(3);
      const second = ok(await sink.write(again));
      expect(second.outcomes.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      const inOneBatch = ok(await sink.write([delivery(alertLine(4, 'host-a:43'), 200), delivery(alertLine(4, 'host-a:43'), 201, DAY + 60_000)]));
      expect(inOneBatch.outcomes.map((o) => o.kind)).toEqual(['indexed', 'duplicate']);
      expect(await total(sink)).toBe(4);
    });

    it('keeps alerts with an empty or missing id apart: their identity is the event id', async () => {
      sink = await open();
      const docs = [delivery(alertLine(1, ''), 1), delivery(alertLine(2, ''), 2), delivery(alertLine(3, undefined), 3), delivery(alertLine(4, undefined), 4)];
      expect(docs.map((d) => d.id)).toEqual(docs.map((d) => d.document['@id']));
      expect(new Set(docs.map((d) => d.id)).size).toBe(4);
      expect(ok(await sink.write(docs.slice(0, 1))).written).toBe(1);
      expect(ok(await sink.write(docs.slice(1))).outcomes.map((o) => o.kind)).toEqual(['indexed', 'indexed', 'indexed']);
      expect(await total(sink)).toBe(4);
      // The empty id is kept in the document as it came.
      const found = await sink.search({ query: { kind: 'match_all' }, size: 10 });
      expect(found.ok && found.value.hits.filter((h) => h.document['id'] === '').length).toBe(2);
    });

    it('reports each document: indexed, duplicate, or rejected for good with a reason', async () => {
      sink = await open();
      const a = delivery(alertLine(1, '1709380800.2001'), 1);
      const b = delivery(alertLine(2, '1709380800.2002'), 2);
      const bad = delivery(alertLine(3, '1709380800.2003'), 3);
      bad.document['@timestamp'] = 'the day after tomorrow';
      const result = ok(await sink.write([a, bad, b]));
      expect(result.outcomes.map((o) => o.kind)).toEqual(['indexed', 'rejected', 'indexed']);
      const rejection = result.outcomes[1];
      expect(rejection?.kind === 'rejected' && rejection.reason).toMatch(/@timestamp/);
      expect(result).toMatchObject({ written: 2, duplicates: 0, rejected: 1 });
      const c = delivery(alertLine(4, '1709380800.2004'), 4);
      expect(ok(await sink.write([a, c])).outcomes.map((o) => o.kind)).toEqual(['duplicate', 'indexed']);
      expect(ok(await sink.write([])).outcomes).toEqual([]);
      expect(await total(sink)).toBe(3);
    });

    it('places a document by its identity: same index and id as written, read back', async () => {
      sink = await open();
      // Delivered a day after the alert happened: the index follows the alert, not the delivery.
      const late = delivery(alertLine(1, '1709380800.3001'), 1, DAY + 86_400_000);
      expect(late.index).toBe('cwl-2024.03.02');
      ok(await sink.write([late]));
      const found = await sink.search({ query: { kind: 'match_all' }, size: 1 });
      expect(found.ok && found.value.hits.map((h) => [h.index, h.id])).toEqual([[late.index, late.id]]);
      // The index list and index deletion go by the same placement as the hits.
      expect((await sink.indices()).map((i) => [i.name, i.documents])).toEqual([[late.index, 1]]);
      expect(await sink.deleteIndex('cwl-2024.03.03')).toBe(false);
      expect(await sink.deleteIndex(late.index)).toBe(true);
      expect(await total(sink)).toBe(0);
    });
  });
}
