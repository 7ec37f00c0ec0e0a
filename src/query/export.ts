/**
 * @module A whole result as CSV or NDJSON text, not capped at max_result_window: read with the
 * backend's own scan where it has one (the embedded store: one streamed, ordered statement), else
 * page by page with search_after on a point in time where the backend has one (OpenSearch); the
 * time range is already fixed (so documents arriving meanwhile stay out). One batch at a time is
 * held: the caller pulls the next chunk when it has sent the last, so memory stays bounded.
 */
import type { IndexedDocument } from '../core/document.js';
import { err, ok, type Result } from '../core/result.js';
import type { HitScan, QueryError, SearchBackend, SearchRequest, SortKey } from './search-api.js';
import { MAX_HITS } from './search-api.js';
import { csvHeader, csvRecord, ndjsonRecord, type ExportFormat } from './export-format.js';

export interface ExportOptions {
  format: ExportFormat;
  /** The columns (CSV: always; NDJSON: the whole document when none). */
  columns: readonly string[];
  /** Hits per page where the export pages with search_after (at most MAX_HITS). */
  pageSize?: number;
  /** Aborted: no further page is asked for, and the point in time is closed. */
  signal?: AbortSignal;
  /** At most this many rows (default: all of them). */
  maxRows?: number;
  /** After each batch: rows written so far, and the total (counted before the first). */
  onProgress?: (rows: number, total: number) => void;
}

export const DEFAULT_EXPORT_PAGE = 5000;
/** A point in time lives this long between two pages (a slow client pauses the pulls). */
const POINT_IN_TIME_KEEP_ALIVE_MS = 120_000;

export class ExportError extends Error {
  constructor(readonly queryError: QueryError) {
    super(queryError.message);
  }
}

/** The count (so that a refused query becomes a 400 before any byte is sent), then the text chunks. */
export interface ExportRun {
  total: number;
  chunks: AsyncGenerator<string, void, undefined>;
  /** Stops the export (the statement is interrupted, the point in time closed), whether or not a chunk was taken. */
  cancel(): Promise<void>;
}

/**
 * Starts an export: opens the read (a refused query is an ExportError, thrown here) and gives the
 * total and the chunks: the header, then one chunk per batch of hits.
 */
export async function startExport(backend: SearchBackend, request: SearchRequest, options: ExportOptions): Promise<ExportRun> {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const base: SearchRequest = {
    ...request,
    aggregations: {},
    // The columns are all that is written; NDJSON without columns writes whole documents.
    ...(options.columns.length > 0 ? { sourceFields: options.columns } : {}),
  };
  delete base.searchAfter;
  const opened = backend.scan ? await backend.scan(base, Number.isFinite(maxRows) ? { maxRows } : {}) : await pagedScan(backend, base, options.pageSize ?? DEFAULT_EXPORT_PAGE, maxRows);
  if (!opened.ok) throw new ExportError(opened.error);
  const scan = opened.value;
  const total = scan.total;
  let started = false;
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    started = true;
    try {
      if (options.format === 'csv') yield csvHeader(options.columns);
      let rows = 0;
      if (rows >= maxRows) return;
      for await (let hits of scan.batches) {
        if (rows + hits.length > maxRows) hits = hits.slice(0, maxRows - rows);
        let text = '';
        if (options.format === 'csv') for (const hit of hits) text += csvRecord(hit.document, options.columns);
        else for (const hit of hits) text += ndjsonRecord(hit, options.columns);
        rows += hits.length;
        options.onProgress?.(rows, total);
        if (text !== '') yield text;
        if (rows >= maxRows || options.signal?.aborted) return;
      }
    } finally {
      await scan.close();
    }
  }
  const generator = chunks();
  return {
    total,
    chunks: generator,
    cancel: async () => {
      // A generator never started runs no `finally`: its read is closed here instead.
      if (!started) return scan.close();
      // A batch being read (a sort can take seconds before the first) is stopped now, not awaited.
      await Promise.all([scan.close(), generator.return(undefined)]);
    },
  };
}

/**
 * The scan of a backend that can only search: pages of `pageSize` with search_after, on a point in
 * time where the backend has one, closed when the pages end or the reader stops. The first page is
 * read here (it gives the count, and a refused query is refused before any byte is sent); later
 * pages are not counted.
 */
async function pagedScan(backend: SearchBackend, request: SearchRequest, pageSize: number, maxRows: number): Promise<Result<HitScan, QueryError>> {
  const size = Math.min(MAX_HITS, Math.max(1, pageSize), Math.max(1, maxRows));
  const pointInTime = backend.openPointInTime ? await backend.openPointInTime(POINT_IN_TIME_KEEP_ALIVE_MS) : undefined;
  const base: SearchRequest = { ...request, size, ...(pointInTime !== undefined ? { pointInTime } : {}) };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (pointInTime !== undefined) await backend.closePointInTime?.(pointInTime);
  };
  let first;
  try {
    first = await backend.search(base);
  } catch (e) {
    await close();
    throw e;
  }
  if (!first.ok) {
    await close();
    return err(first.error);
  }
  const firstHits = first.value.hits;
  let started = false;
  async function* batches(): AsyncGenerator<readonly IndexedDocument[], void, undefined> {
    started = true;
    try {
      let hits = firstHits;
      let rows = 0;
      for (;;) {
        rows += hits.length;
        if (hits.length > 0) yield hits;
        if (hits.length < size || rows >= maxRows) return;
        const after: SortKey = (hits[hits.length - 1] as (typeof hits)[number]).sort;
        const next = await backend.search({ ...base, searchAfter: after, trackTotal: false });
        if (!next.ok) throw new ExportError(next.error);
        hits = next.value.hits;
        if (hits.length === 0) return;
      }
    } finally {
      await close();
    }
  }
  const generator = batches();
  return ok({
    total: first.value.total,
    batches: generator,
    close: async () => (started ? void (await generator.return(undefined)) : close()),
  });
}
