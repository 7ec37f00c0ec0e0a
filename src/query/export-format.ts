/**
 * @module Hits as CSV (RFC 4180) or NDJSON lines. Alert text is attacker-controlled and spreadsheets
 * run formulas: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
 * prefixed with `'` (OWASP's CSV injection advice), so that it is read as text. Pure.
 */
import type { AlertDocument } from '../core/document.js';
import { getPath } from '../core/paths.js';
import { KEYWORD_SUBFIELD, SCHEMA_FIELDS } from './fields.js';

export type ExportFormat = 'csv' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

/** What Discover shows when no column is chosen: the time and the whole message, as Kibana's `_source` column. */
export const DEFAULT_EXPORT_COLUMNS: readonly string[] = ['@timestamp', '@log_stream', 'rule.level', 'rule.comment', 'srcip', 'full_log'];

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A column's value in a document; `x.keyword` reads `x` (the subfield is the same value, indexed whole). */
export function columnValue(document: AlertDocument, column: string): unknown {
  const value = getPath(document, column);
  if (value !== undefined || !column.endsWith(`.${KEYWORD_SUBFIELD}`)) return value;
  return getPath(document, column.slice(0, -KEYWORD_SUBFIELD.length - 1));
}

/** A value as the text of one cell: lists joined by ", ", objects as JSON, nothing as empty. */
function cellText(value: unknown): { text: string; fromString: boolean } {
  if (value === undefined || value === null) return { text: '', fromString: false };
  if (typeof value === 'string') return { text: value, fromString: true };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value), fromString: false };
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return { text: value.map((v) => (v === null ? '' : String(v))).join(', '), fromString: true };
  return { text: JSON.stringify(value), fromString: true };
}

/** One CSV cell: neutralized if it could start a formula, quoted if it holds a quote, comma or line break. */
export function csvCell(value: unknown): string {
  const { text, fromString } = cellText(value);
  // Numbers are numbers (a negative one is not a formula); any text, lists included, may be one.
  const safe = fromString && FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV record (CRLF-terminated, as RFC 4180 has it). */
export function csvRow(cells: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i]);
  return `${line}\r\n`;
}

/**
 * The header: the column names. hidsmon's own `@` fields (`@timestamp`, …) are fixed names, no
 * formula, and stay as they are; any other name (dynamic fields come from alerts) is a cell like any other.
 */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.map((c) => (OWN_AT_FIELDS.has(c) ? c : csvCell(c))).join(',')}\r\n`;
}

const OWN_AT_FIELDS: ReadonlySet<string> = new Set(SCHEMA_FIELDS.map((f) => f.name).filter((n) => /^@[a-z_]+$/.test(n)));

/** The CSV record of a document's columns. */
export function csvRecord(document: AlertDocument, columns: readonly string[]): string {
  return csvRow(columns.map((c) => columnValue(document, c)));
}

/** An NDJSON line: the chosen columns by name, or (no columns) the index, id and the whole document. */
export function ndjsonRecord(hit: { index: string; id: string; document: AlertDocument }, columns: readonly string[] | undefined): string {
  if (!columns || columns.length === 0) return `${JSON.stringify({ _index: hit.index, _id: hit.id, _source: hit.document })}\n`;
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = columnValue(hit.document, c);
    // defineProperty: a column may be named `__proto__`.
    if (v !== undefined) Object.defineProperty(out, c, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return `${JSON.stringify(out)}\n`;
}

/** A file name for the download: `hidsmon-<from>-<to>.<ext>`, only [A-Za-z0-9._-]. */
export function exportFileName(format: ExportFormat, range: { fromMs: number; toMs: number } | undefined, stem = 'hidsmon'): string {
  const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[:]/g, '');
  const span = range ? `-${at(range.fromMs)}-${at(range.toMs)}` : '';
  return `${stem}${span}.${format}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
