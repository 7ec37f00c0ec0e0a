/** @module The forwarder's documents to `_bulk` entries: each placed in its physical daily index and checked once per day, not once per document. */
import type { IndexedDocument } from '../../core/document.js';
import { bulkEntry, type BulkEntry } from '../../sinks/opensearch/bulk.js';
import { physicalDailyIndex } from '../../sinks/opensearch/connection.js';
import { invalidTimestamp } from '../../sinks/opensearch/sink.js';

export type EntryOutcome = { ok: true; entry: BulkEntry } | { ok: false; reason: string };

export type EntryMaker = (doc: IndexedDocument, position: number) => EntryOutcome;

/**
 * The sink's checks (physicalDailyIndex, invalidTimestamp) with their answers kept for the last
 * day seen: a delivery's documents fall on one or two days, and both checks cost more than the
 * document's serialization's tenth (a regular expression and a Date per call).
 */
export function createEntryMaker(indexPrefix: string): EntryMaker {
  let lastName: string | undefined;
  let lastIndex: string | undefined;
  // The date part (`YYYY-MM-DDT`) of the last @timestamp that passed. The transform writes
  // @timestamp with toIsoTimestamp, so within a day that passed once, only the day could be wrong
  // (a year beyond 9999 is written ±YYYYYY, another length): the same date part and length pass.
  let lastDay = '';
  return (doc, position) => {
    let index: string | undefined;
    if (doc.index === lastName) index = lastIndex;
    else {
      index = physicalDailyIndex(indexPrefix, doc.index);
      lastName = doc.index;
      lastIndex = index;
    }
    if (index === undefined) return { ok: false, reason: `invalid_index: not a daily index name: ${JSON.stringify(doc.index)}` };
    const timestamp = doc.document['@timestamp'];
    if (!(typeof timestamp === 'string' && timestamp.length === 24 && lastDay !== '' && timestamp.startsWith(lastDay) && isIsoTimeOfDay(timestamp))) {
      const invalid = invalidTimestamp(timestamp);
      if (invalid !== undefined) return { ok: false, reason: invalid };
      if (typeof timestamp === 'string' && timestamp.length === 24) lastDay = timestamp.slice(0, 11);
    }
    return { ok: true, entry: bulkEntry(position, index, doc.id, doc.document) };
  };
}

/** `HH:MM:SS.mmmZ` after the date part, each field in range (what parseIsoTime also checks). */
const TIME_DIGITS = [11, 12, 14, 15, 17, 18, 20, 21, 22];
function isIsoTimeOfDay(t: string): boolean {
  for (const i of TIME_DIGITS) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const digit = (i: number): number => t.charCodeAt(i) - 48;
  return t[13] === ':' && t[16] === ':' && t[19] === '.' && t[23] === 'Z' && digit(11) * 10 + digit(12) <= 23 && digit(14) <= 5 && digit(17) <= 5;
}
