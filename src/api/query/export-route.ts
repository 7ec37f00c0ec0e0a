/**
 * @module `POST /api/export`: the whole result of a search body (query, filters, time range, sort)
 * as a CSV or NDJSON download of the chosen columns, streamed page by page (query/export.ts): the
 * next page is read only once the client has taken the last, and a client that goes away stops it.
 */
import type { Context } from 'hono';
import { isPlainObject } from '../../core/paths.js';
import { DEFAULT_EXPORT_COLUMNS, EXPORT_FORMATS, exportFileName, type ExportFormat } from '../../query/export-format.js';
import { ExportError, startExport } from '../../query/export.js';
import type { SearchBackend, SearchRequest } from '../../query/search-api.js';

const MAX_COLUMNS = 200;
const MAX_COLUMN_NAME = 512;

export interface ExportBody {
  format: ExportFormat;
  columns: string[];
  /** NDJSON: the whole documents (no columns were given). */
  wholeDocuments: boolean;
}

/** The export's own fields of the body: `format` (csv, ndjson) and `columns`; the rest is a search body. */
export function parseExportFields(body: Record<string, unknown>): ExportBody | string {
  const format = body['format'] ?? 'csv';
  if (typeof format !== 'string' || !EXPORT_FORMATS.includes(format as ExportFormat)) return `format is one of ${EXPORT_FORMATS.join(', ')}.`;
  const columns = body['columns'];
  if (columns !== undefined && (!Array.isArray(columns) || columns.length > MAX_COLUMNS || !columns.every((c) => typeof c === 'string' && c !== '' && c.length <= MAX_COLUMN_NAME))) {
    return `columns is a list of at most ${MAX_COLUMNS} field names.`;
  }
  const chosen = (columns as string[] | undefined) ?? [];
  return { format: format as ExportFormat, columns: chosen.length > 0 ? chosen : [...DEFAULT_EXPORT_COLUMNS], wholeDocuments: chosen.length === 0 };
}

/** The streamed answer; a query the backend refuses is a 400 before any row. */
export async function exportResponse(c: Context, backend: SearchBackend, request: SearchRequest, fields: ExportBody, onRows?: (rows: number) => void): Promise<Response> {
  const abort = new AbortController();
  let run;
  try {
    run = await startExport(backend, request, {
      format: fields.format,
      columns: fields.format === 'ndjson' && fields.wholeDocuments ? [] : fields.columns,
      signal: abort.signal,
      ...(onRows ? { onProgress: (rows: number) => onRows(rows) } : {}),
    });
  } catch (e) {
    if (e instanceof ExportError) {
      const { kind, message, ...rest } = e.queryError;
      return c.json({ error: { kind, message, ...rest } }, 400);
    }
    throw e;
  }
  const chunks = run.chunks;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (e) {
          // Headers are sent: the download ends short, and the error shows as a broken transfer.
          controller.error(e);
        }
      },
      async cancel() {
        // The client went away (or cancelled): no more pages, and the point in time is closed.
        abort.abort();
        await run.cancel();
      },
    },
    // One page's text waits at most: the next page is read when the client has taken it.
    { highWaterMark: 1 },
  );
  const type = fields.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Type': type,
      'Content-Disposition': `attachment; filename="${exportFileName(fields.format, request.timeRange)}"`,
      'X-Total-Count': String(run.total),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

export function isExportBody(body: unknown): body is Record<string, unknown> {
  return isPlainObject(body);
}
