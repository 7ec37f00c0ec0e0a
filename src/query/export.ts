/**
 * @module A whole result, page by page with search_after, as CSV or NDJSON text: not capped at
 * max_result_window, on a point in time where the backend has one (OpenSearch), with the time range
 * already fixed (so documents arriving meanwhile stay out). One page at a time is held: the caller
 * pulls the next chunk when it has sent the last, so memory stays bounded whatever the total.
 */
import type { QueryError, SearchBackend, SearchRequest, SortKey } from './search-api.js';
import { MAX_HITS } from './search-api.js';
import { csvHeader, csvRecord, ndjsonRecord, type ExportFormat } from './export-format.js';

export interface ExportOptions {
  format: ExportFormat;
  /** The columns (CSV: always; NDJSON: the whole document when none). */
  columns: readonly string[];
  /** Hits per page (at most MAX_HITS). */
  pageSize?: number;
  /** Aborted: no further page is asked for, and the point in time is closed. */
  signal?: AbortSignal;
  /** At most this many rows (default: all of them). */
  maxRows?: number;
  /** After each page: rows written so far, and the total (counted on the first page). */
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

/** The first page's answer (so that a refused query becomes a 400 before any byte is sent), then the rest as text chunks. */
export interface ExportRun {
  total: number;
  chunks: AsyncGenerator<string, void, undefined>;
  /** Stops the export (the point in time is closed), whether or not a chunk was taken. */
  cancel(): Promise<void>;
}

/**
 * Starts an export: runs the first page (a refused query is an ExportError, thrown here) and gives
 * the total and the chunks: the header, then one chunk per page.
 */
export async function startExport(backend: SearchBackend, request: SearchRequest, options: ExportOptions): Promise<ExportRun> {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const pageSize = Math.min(MAX_HITS, Math.max(1, options.pageSize ?? DEFAULT_EXPORT_PAGE), Math.max(1, maxRows));
  const pointInTime = backend.openPointInTime ? await backend.openPointInTime(POINT_IN_TIME_KEEP_ALIVE_MS) : undefined;
  const base: SearchRequest = {
    ...request,
    size: pageSize,
    aggregations: {},
    ...(pointInTime !== undefined ? { pointInTime } : {}),
    // The columns are all that is written; NDJSON without columns writes whole documents.
    ...(options.columns.length > 0 ? { sourceFields: options.columns } : {}),
  };
  delete base.searchAfter;
  const close = async (): Promise<void> => {
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
    throw new ExportError(first.error);
  }
  const total = first.value.total;
  const firstHits = first.value.hits;
  let started = false;
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    started = true;
    try {
      if (options.format === 'csv') yield csvHeader(options.columns);
      let hits = firstHits;
      let rows = 0;
      for (;;) {
        if (rows + hits.length > maxRows) hits = hits.slice(0, maxRows - rows);
        let text = '';
        if (options.format === 'csv') for (const hit of hits) text += csvRecord(hit.document, options.columns);
        else for (const hit of hits) text += ndjsonRecord(hit, options.columns);
        rows += hits.length;
        options.onProgress?.(rows, total);
        if (text !== '') yield text;
        if (hits.length < pageSize || rows >= maxRows || options.signal?.aborted) return;
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
  const generator = chunks();
  return {
    total,
    chunks: generator,
    // A generator never started runs no `finally`: its point in time is closed here instead.
    cancel: async () => (started ? void (await generator.return(undefined)) : close()),
  };
}
