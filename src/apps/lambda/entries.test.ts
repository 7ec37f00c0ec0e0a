/** The per-day memo of the forwarder's entry checks gives the sink's own answers, document by document. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { indexNameForTime, toIsoTimestamp } from '../../core/time.js';
import { bulkEntry } from '../../sinks/opensearch/bulk.js';
import { physicalDailyIndex } from '../../sinks/opensearch/connection.js';
import { invalidTimestamp } from '../../sinks/opensearch/sink.js';
import { createEntryMaker, type EntryOutcome } from './entries.js';

/** What the handler did before the memo: both checks on every document. */
function direct(prefix: string, doc: IndexedDocument, position: number): EntryOutcome {
  const index = physicalDailyIndex(prefix, doc.index);
  if (index === undefined) return { ok: false, reason: `invalid_index: not a daily index name: ${JSON.stringify(doc.index)}` };
  const invalid = invalidTimestamp(doc.document['@timestamp']);
  return invalid === undefined ? { ok: true, entry: bulkEntry(position, index, doc.id, doc.document) } : { ok: false, reason: invalid };
}

const doc = (index: string, timestamp: unknown): IndexedDocument => ({ index, id: 'x', document: { '@timestamp': timestamp, hidsmon: { format: 'ossec-json' } } as never });

describe('createEntryMaker', () => {
  it('answers as the sink checks do for sequences of days, bad times, bad index names and far years', () => {
    const day = Date.UTC(2024, 2, 2);
    const sample = fc.oneof(
      // Mostly the same day or two, as a delivery is, at any time of day.
      fc.integer({ min: day - 3_600_000, max: day + 2 * 86_400_000 }).map((ms) => doc(indexNameForTime(ms), toIsoTimestamp(ms))),
      fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => doc(indexNameForTime(ms), toIsoTimestamp(ms))),
      fc.constantFrom(
        doc('cwl-2024.03.02', '2024-03-02T24:00:00.000Z'),
        doc('cwl-2024.03.02', '2024-03-02T23:60:00.000Z'),
        doc('cwl-2024.03.02', '2024-03-02T23:59:60.000Z'),
        doc('cwl-2024.03.02', '2024-03-02T1x:00:00.000Z'),
        doc('cwl-2024.03.02', '2024-03-02 10:00:00.000Z'),
        doc('cwl-2024.03.02', '2024-03-02T10:00:00.000+'),
        doc('cwl-2024.03.02', 1709337600000),
        doc('cwl-2024.03.02', undefined),
        doc('cwl-2024.02.30', '2024-03-02T10:00:00.000Z'),
        doc('logs-2024.03.02', '2024-03-02T10:00:00.000Z'),
        doc('t1-2024.03.02', '2024-03-02T10:00:00.000Z'),
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom('cwl-', 't1-'), fc.array(sample, { maxLength: 40 }), (prefix, docs) => {
        const make = createEntryMaker(prefix);
        docs.forEach((d, i) => expect(make(d, i)).toEqual(direct(prefix, d, i)));
      }),
      { numRuns: 400 },
    );
  });
});
