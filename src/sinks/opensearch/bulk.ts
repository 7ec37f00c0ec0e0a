/**
 * @module The `_bulk` request and response, without I/O: documents as `create` lines, bodies cut
 * under a byte limit, each item's answer read as an outcome, and the one mapping conflict that
 * `ignore_malformed` does not cover moved aside, as normalization moves wrong types aside.
 */
import type { IndexedDocument } from '../../core/document.js';
import { setOwn } from '../../core/own-keys.js';
import { isPlainObject, setPath, type JsonObject } from '../../core/paths.js';
import { DUPLICATE, INDEXED, type DocumentOutcome } from '../../query/search-api.js';

/** One document of a write, serialized once: its action and source lines, each ending in `\n`. */
export interface BulkEntry {
  /** Its position in the write. */
  position: number;
  lines: string;
  bytes: number;
  /** How often its source was repaired (bounded: see MAX_REPAIRS). */
  repairs: number;
}

export const MAX_REPAIRS = 3;

export function bulkEntry(position: number, index: string, id: string, source: unknown, repairs = 0): BulkEntry {
  // `create`, never `index`: a re-delivery answers 409 and leaves the stored document as it was.
  const action = `{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}`;
  const json = JSON.stringify(source);
  // Measured part by part: the joined lines stay a rope until the body is built, instead of being
  // copied once more here (a third of a delivery's bytes, and garbage the forwarder's GC pays for).
  return { position, lines: `${action}\n${json}\n`, bytes: Buffer.byteLength(action) + Buffer.byteLength(json) + 2, repairs };
}

/** Entries for the documents whose index `indexOf` names; the positions of the others are returned apart. */
export function bulkEntries(documents: readonly IndexedDocument[], indexOf: (name: string) => string | undefined = (n) => n): { entries: BulkEntry[]; unplaced: number[] } {
  const entries: BulkEntry[] = [];
  const unplaced: number[] = [];
  documents.forEach((d, i) => {
    const index = indexOf(d.index);
    if (index === undefined) unplaced.push(i);
    else entries.push(bulkEntry(i, index, d.id, d.document));
  });
  return { entries, unplaced };
}

/** Entries cut into bodies of at most `maxBytes` each, in order; an entry larger than that goes alone. */
export function chunkByBytes(entries: readonly BulkEntry[], maxBytes: number): BulkEntry[][] {
  const chunks: BulkEntry[][] = [];
  let current: BulkEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    if (current.length > 0 && size + entry.bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += entry.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The entries' lines as one string, left a rope: the HTTP write flattens it once anyway, and a
 * join here made a flat copy of the whole body while every entry's lines were still held (twice
 * the body's bytes in the heap at the send, and a copy per body).
 */
export function bulkBody(chunk: readonly BulkEntry[]): string {
  let body = '';
  for (const entry of chunk) body += entry.lines;
  return body;
}

/** An item of a `_bulk` response, as OpenSearch writes it. */
export interface BulkItemResponse {
  status?: number;
  error?: BulkError;
}

export interface BulkError {
  type?: string;
  reason?: string;
  caused_by?: BulkError;
}

/** What to do with one item. `retry`: not now (429, 5xx, and statuses that say the cluster, not the document, is wrong). */
export type ItemVerdict =
  | { kind: 'final'; outcome: DocumentOutcome }
  | { kind: 'repair'; path: string }
  | { kind: 'retry'; status: number; reason: string };

const MAX_REASON_CHARS = 2000;

/** `type: reason (caused by type: reason)`, as the dead-letter store keeps it. */
export function errorReason(error: BulkError | undefined): string {
  if (!error) return 'no reason given';
  let text = `${error.type ?? 'error'}: ${error.reason ?? ''}`;
  const cause = error.caused_by;
  if (cause && (cause.type !== error.type || cause.reason !== error.reason)) text += ` (caused by ${cause.type ?? 'error'}: ${cause.reason ?? ''})`;
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/**
 * A concrete value where the index already maps an object (`{"data":{…}}` then `{"data":"x"}` on
 * the same day): OpenSearch 2.19 rejects it whatever `ignore_malformed` says. The path is the field.
 */
const OBJECT_GOT_VALUE = /^object mapping for \[(.+)\] tried to parse field \[(.+)\] as object, but found a concrete value$/;

export function objectConflictPath(error: BulkError | undefined): string | undefined {
  if (error?.type !== 'mapper_parsing_exception' || typeof error.reason !== 'string') return undefined;
  const m = OBJECT_GOT_VALUE.exec(error.reason);
  return m && m[1] === m[2] ? m[1] : undefined;
}

export function itemVerdict(item: BulkItemResponse | undefined, repairs: number): ItemVerdict {
  const status = item?.status;
  if (status === undefined) return { kind: 'retry', status: 0, reason: 'the bulk response has no item for this document' };
  if (status >= 200 && status < 300) return { kind: 'final', outcome: INDEXED };
  if (status === 409) return { kind: 'final', outcome: DUPLICATE };
  if (status === 400) {
    const path = objectConflictPath(item?.error);
    if (path !== undefined && repairs < MAX_REPAIRS) return { kind: 'repair', path };
    return { kind: 'final', outcome: { kind: 'rejected', reason: errorReason(item?.error) } };
  }
  // 429 and 5xx are transient; 401/403 (credentials, a read-only block on a full disk) and 404
  // (index creation refused) are the cluster's state, not the document's: retried, never lost.
  return { kind: 'retry', status, reason: errorReason(item?.error) };
}

/**
 * The document with the value at `path` moved to `hidsmon.invalid` (as a string, at the same path)
 * and flagged `invalid_value`, or undefined when there is no such value to move. `source` is a
 * fresh copy (parsed from the entry), so the caller's document is never changed.
 */
export function moveAside(source: unknown, path: string): JsonObject | undefined {
  if (!isPlainObject(source)) return undefined;
  const value = takePath(source, path.split('.'));
  if (value === undefined) return undefined;
  const meta = isPlainObject(source['hidsmon']) ? source['hidsmon'] : {};
  setOwn(source, 'hidsmon', meta);
  const invalid = isPlainObject(meta['invalid']) ? meta['invalid'] : {};
  setOwn(meta, 'invalid', invalid);
  setPath(invalid, path, typeof value === 'string' ? value : JSON.stringify(value));
  const flags = Array.isArray(meta['flags']) ? meta['flags'] : [];
  if (!flags.includes('invalid_value')) flags.push('invalid_value');
  setOwn(meta, 'flags', flags);
  return source;
}

/** Removes and returns the non-object value at `keys`; a key holding dots (`{"a.b":1}`) is a path too, as OpenSearch reads it. */
function takePath(node: JsonObject, keys: readonly string[]): unknown {
  for (let n = keys.length; n >= 1; n--) {
    const head = keys.slice(0, n).join('.');
    if (!Object.hasOwn(node, head)) continue;
    const value = node[head];
    if (n === keys.length) {
      if (isPlainObject(value) || value === undefined) return undefined;
      delete node[head];
      return value;
    }
    if (isPlainObject(value)) {
      const found = takePath(value, keys.slice(n));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The entry with its source repaired at `path`, or undefined when it cannot be. */
export function repairedEntry(entry: BulkEntry, path: string): BulkEntry | undefined {
  const [action, source] = entry.lines.split('\n', 2) as [string, string];
  const repaired = moveAside(JSON.parse(source), path);
  if (!repaired) return undefined;
  const meta = (JSON.parse(action) as { create: { _index: string; _id: string } }).create;
  return bulkEntry(entry.position, meta._index, meta._id, repaired, entry.repairs + 1);
}
