/**
 * @module Export of the whole result (POST /api/export, streamed): CSV or NDJSON of the current
 * query, filters, time range, columns and sort, with rows so far / total and a cancel; the file is
 * saved once complete. And a panel's aggregation as CSV, made here from the buckets on show.
 */
import { useRef, useState } from 'react';
import { csvRow } from '../../../src/query/export-format.js';
import { api, ApiError, isAbort, type ExportBody } from '../api.js';

type ExportState =
  | { kind: 'idle' }
  | { kind: 'running'; format: ExportBody['format']; rows: number; total: number }
  | { kind: 'done'; rows: number; fileName: string }
  | { kind: 'cancelled'; rows: number }
  | { kind: 'failed'; message: string };

/** Records in a chunk of CSV (CRLF outside quotes) or NDJSON (LF), carrying the quote state across chunks. */
class RecordCounter {
  private quoted = false;
  rows = 0;
  constructor(private readonly format: ExportBody['format']) {}
  add(text: string): void {
    if (this.format === 'ndjson') {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.rows++;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) this.quoted = !this.quoted;
      else if (c === 10 && !this.quoted) this.rows++;
    }
  }
}

function save(parts: BlobPart[], type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ExportButton({ body }: { body: Omit<ExportBody, 'format'> }): React.JSX.Element {
  const [state, setState] = useState<ExportState>({ kind: 'idle' });
  const abort = useRef<AbortController | undefined>(undefined);

  const run = async (format: ExportBody['format']): Promise<void> => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setState({ kind: 'running', format, rows: 0, total: -1 });
    const counter = new RecordCounter(format);
    try {
      const { response, total, fileName } = await api.startExport({ ...body, format }, controller.signal);
      setState({ kind: 'running', format, rows: 0, total });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const parts: BlobPart[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value as Uint8Array<ArrayBuffer>);
        counter.add(decoder.decode(value, { stream: true }));
        const rows = format === 'csv' ? Math.max(0, counter.rows - 1) : counter.rows; // CSV: the header is no row
        setState({ kind: 'running', format, rows, total });
      }
      const rows = format === 'csv' ? Math.max(0, counter.rows - 1) : counter.rows;
      save(parts, format === 'csv' ? 'text/csv' : 'application/x-ndjson', fileName);
      setState({ kind: 'done', rows, fileName });
    } catch (e) {
      if (isAbort(e)) setState({ kind: 'cancelled', rows: counter.rows });
      else setState({ kind: 'failed', message: e instanceof ApiError ? e.message : `The export broke off: ${String(e)}` });
    }
  };

  const running = state.kind === 'running';
  return (
    <span className="export-tools" data-testid="export" data-state={state.kind}>
      <button type="button" className="button" disabled={running} onClick={() => void run('csv')} data-testid="export-csv">
        Export CSV
      </button>
      <button type="button" className="button" disabled={running} onClick={() => void run('ndjson')} data-testid="export-ndjson">
        Export NDJSON
      </button>
      <span className="export-status" role="status" aria-live="polite" data-testid="export-status" data-rows={'rows' in state ? String(state.rows) : ''}>
        {state.kind === 'running' && `Exporting ${state.rows.toLocaleString('en-US')}${state.total >= 0 ? ` of ${state.total.toLocaleString('en-US')}` : ''} rows…`}
        {state.kind === 'done' && `Exported ${state.rows.toLocaleString('en-US')} rows to ${state.fileName}.`}
        {state.kind === 'cancelled' && 'Export cancelled.'}
        {state.kind === 'failed' && <span className="form-problem">{state.message}</span>}
      </span>
      {running && (
        <button type="button" className="link-button" onClick={() => abort.current?.abort()} data-testid="export-cancel">
          Cancel
        </button>
      )}
    </span>
  );
}

/** A panel's rows as a CSV download (cells neutralized as the server's export does). */
export function PanelCsvButton({ title, header, rows, testId }: { title: string; header: readonly string[]; rows: ReadonlyArray<readonly unknown[]>; testId: string }): React.JSX.Element {
  const download = (): void => {
    const text = csvRow(header) + rows.map((r) => csvRow(r)).join('');
    save([text], 'text/csv', `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.csv`);
  };
  return (
    <button type="button" className="icon-button panel-csv" aria-label={`Download ${title} as CSV`} title="Download as CSV" onClick={download} data-testid={testId} disabled={rows.length === 0}>
      CSV
    </button>
  );
}
