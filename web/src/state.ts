/**
 * @module The whole view as a value, and its URL: page, query, filter pills, time range, refresh
 * interval and columns. A link reproduces the view; each change is a history entry, so the back
 * button steps back through them. Pure.
 */
import { decodeFilter, encodeFilter, type Filter } from './filters.js';

export type Page = 'discover' | 'dashboard' | 'audit' | 'ingest' | 'fleet' | 'doc' | 'detections';

const PAGE_PATHS: ReadonlyArray<readonly [RegExp, Page]> = [
  [/^\/dashboard\/?$/, 'dashboard'],
  [/^\/audit\/?$/, 'audit'],
  [/^\/ingest\/?$/, 'ingest'],
  [/^\/fleet\/?$/, 'fleet'],
  [/^\/detections\/?$/, 'detections'],
  [/^\/doc\/?$/, 'doc'],
];

/** `from`/`to` as the user chose them: date math (`now-24h`) or ISO 8601 times. */
export interface TimeSpan {
  from: string;
  to: string;
}

export interface ViewState {
  page: Page;
  query: string;
  filters: Filter[];
  time: TimeSpan;
  /** Auto-refresh interval in ms; 0 is off. */
  refreshMs: number;
  /** Discover's columns after the time column; empty shows the whole document. */
  columns: string[];
  /** The histograms' interval: `auto` or a key of HISTOGRAM_INTERVALS (time.ts). */
  interval: string;
  /** Discover's sort (one field is used; in the URL as `sort=field:asc`); absent: newest first. */
  sort?: ViewSort[];
  /** The document page (a permanent link): which document, and how many surrounding alerts each side. */
  doc?: DocRef;
  /** Discover's expanded rows (`<index>/<id>`), so that a link or a reload opens them again. */
  expanded?: string[];
  /** Discover's cells wrap long values (full_log) instead of cutting them. */
  wrap?: boolean;
}

export interface ViewSort {
  field: string;
  order: 'asc' | 'desc';
}

export interface DocRef {
  index: string;
  id: string;
  /** Surrounding alerts shown on each side (CONTEXT_SIZES). */
  size: number;
}

export const CONTEXT_SIZES: readonly number[] = [5, 10, 25, 50, 100];

export const REFRESH_CHOICES: ReadonlyArray<{ ms: number; key: string; label: string }> = [
  { ms: 0, key: 'off', label: 'Off' },
  { ms: 5_000, key: '5s', label: '5 s' },
  { ms: 10_000, key: '10s', label: '10 s' },
  { ms: 30_000, key: '30s', label: '30 s' },
  { ms: 60_000, key: '1m', label: '1 min' },
  { ms: 300_000, key: '5m', label: '5 min' },
];

export const DEFAULT_COLUMNS: readonly string[] = ['rule.level', 'rule.comment', 'srcip', '@log_stream'];
export const DEFAULT_TIME: TimeSpan = { from: 'now-24h', to: 'now' };

export function defaultState(page: Page = 'discover'): ViewState {
  return { page, query: '', filters: [], time: { ...DEFAULT_TIME }, refreshMs: 0, columns: [...DEFAULT_COLUMNS], interval: 'auto' };
}

/** Reads a view from a location; anything missing or malformed takes its default. */
export function stateFromUrl(pathname: string, search: string): ViewState {
  const params = new URLSearchParams(search);
  const page: Page = PAGE_PATHS.find(([path]) => path.test(pathname))?.[1] ?? 'discover';
  const state = defaultState(page);
  if (page === 'doc') {
    const size = Number(params.get('n'));
    state.doc = { index: params.get('index') ?? '', id: params.get('id') ?? '', size: CONTEXT_SIZES.includes(size) ? size : (CONTEXT_SIZES[0] as number) };
  }
  state.query = params.get('q') ?? '';
  state.filters = params.getAll('f').map(decodeFilter).filter((f): f is Filter => f !== undefined);
  const from = params.get('from');
  const to = params.get('to');
  if (from?.trim()) state.time.from = from.trim();
  if (to?.trim()) state.time.to = to.trim();
  const refresh = REFRESH_CHOICES.find((r) => r.key === params.get('refresh'));
  if (refresh) state.refreshMs = refresh.ms;
  const interval = params.get('interval');
  if (interval && /^[0-9a-zA-Z]{1,8}$/.test(interval)) state.interval = interval;
  const sort = params.get('sort');
  const sorted = sort ? /^(.{1,512}):(asc|desc)$/s.exec(sort) : null;
  if (sorted && sort !== '@timestamp:desc') state.sort = [{ field: sorted[1] as string, order: sorted[2] as 'asc' | 'desc' }];
  const open = params.getAll('open').filter((k) => k.length > 0 && k.length <= 1100);
  if (open.length > 0) state.expanded = [...new Set(open)].slice(0, 50);
  if (params.get('wrap') === '1') state.wrap = true;
  const cols = params.get('cols');
  if (cols !== null) state.columns = cols === '' ? [] : [...new Set(cols.split(',').filter((c) => c !== ''))];
  return state;
}

/** The URL (path and query string) of a view; every part is written, so that the link does not depend on defaults. */
export function urlFromState(state: ViewState): string {
  // A document's link names only the document: it opens the same for anyone, whatever view they had.
  if (state.page === 'doc') return docUrl(state.doc ?? { index: '', id: '', size: CONTEXT_SIZES[0] as number });
  const params = new URLSearchParams();
  if (state.query !== '') params.set('q', state.query);
  for (const filter of state.filters) params.append('f', encodeFilter(filter));
  params.set('from', state.time.from);
  params.set('to', state.time.to);
  params.set('refresh', REFRESH_CHOICES.find((r) => r.ms === state.refreshMs)?.key ?? 'off');
  params.set('cols', state.columns.join(','));
  for (const key of state.expanded ?? []) params.append('open', key);
  if (state.wrap) params.set('wrap', '1');
  params.set('interval', state.interval);
  const sort = state.sort?.[0];
  if (sort && !(sort.field === '@timestamp' && sort.order === 'desc')) params.set('sort', `${sort.field}:${sort.order}`);
  return `/${state.page}?${params.toString()}`;
}

/** The permanent link of a document (and the surrounding alerts' count). */
export function docUrl(doc: DocRef): string {
  return `/doc?${new URLSearchParams({ index: doc.index, id: doc.id, n: String(doc.size) }).toString()}`;
}

export function refreshLabel(ms: number): string {
  return REFRESH_CHOICES.find((r) => r.ms === ms)?.label ?? 'Off';
}
