/**
 * @module Discover: the hit count, the count histogram (drag to zoom), the document table with
 * infinite scroll over search_after pages, and the field sidebar.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, isAbort, type FieldInfo, type Hit, type SearchBody, type SearchResponse } from './api.js';
import { DocTable } from './components/doc-table.js';
import { ExportButton } from './components/export-button.js';
import { FieldSidebar } from './components/field-sidebar.js';
import { Histogram } from './components/histogram.js';
import { QueryError } from './components/query-error.js';
import { activeFiltersDsl } from './filters.js';
import { useLastDefined, useLiveQuery, useReadyMark } from './hooks.js';
import { absoluteSpan, displayTimeZone, formatTime, histogramInterval, intervalLabel, zoneAbbreviation } from './time.js';
import { IntervalSelect, stackedHistogram } from './components/interval-select.js';
import { useView } from './view-context.js';
import { startFirstSearch, takeFirstSearch } from './first-search.js';
import type { ViewState } from './state.js';

/** Rows in the first answer, and in each page after it. */
export const FIRST_PAGE = 50;
export const NEXT_PAGE = 100;
/** Beyond this many rows the browser slows; narrowing the query is the better tool. */
export const MAX_ROWS = 5_000;

interface MorePages {
  /** The first answer these pages continue. */
  base: SearchResponse;
  hits: Hit[];
  loading: boolean;
  done: boolean;
  error?: ApiError;
}

/**
 * Discover's first search of a view: the query, filters and time with the page's first rows and
 * the histogram stacked by level; `key` names it (the same view, the same key).
 */
export function discoverRequest(state: ViewState): { base: SearchBody; interval: ReturnType<typeof histogramInterval>; key: string; body: SearchBody } {
  const base: SearchBody = { query: state.query, filters: activeFiltersDsl(state.filters), from: state.time.from, to: state.time.to, time_zone: displayTimeZone(), ...(state.sort?.[0] ? { sort: state.sort[0] } : {}) };
  const interval = histogramInterval(state.interval, state.time);
  return { base, interval, key: JSON.stringify({ ...base, interval }), body: { ...base, size: FIRST_PAGE, aggregations: { histogram: stackedHistogram(interval) } } };
}

/** Discover's first search, sent as the app boots when the address is a Discover view (first-search.ts). */
export function startDiscoverSearch(state: ViewState): void {
  if (state.page !== 'discover') return;
  const { key, body } = discoverRequest(state);
  startFirstSearch(key, api.search(body));
}

export function Discover(): React.JSX.Element {
  const view = useView();
  const { state } = view;
  const { base, interval, key, body } = discoverRequest(state);
  const first = useLiveQuery<SearchResponse>(
    key,
    // The answer the app started as it booted (first-search.ts) serves the first load of the same view.
    (signal) => takeFirstSearch(key) ?? api.search(body, signal),
    state.refreshMs,
    view.nonce,
    view.authLost,
  );
  const fields = useLiveQuery<{ fields: FieldInfo[] }>('fields', (signal) => api.fields(signal), 0, view.nonce, view.authLost);
  useReadyMark('hidsmon:discover:ready', first.data !== undefined);

  const failed = first.error && (first.error.kind === 'syntax' || first.error.kind === 'query' || first.error.kind === 'request');
  const shown = useLastDefined(first.data);
  const data = failed ? undefined : shown;

  // Further pages continue the first answer over its resolved time range, so that "now" stays put
  // and search_after never skips or repeats a row while new alerts arrive.
  const [more, setMore] = useState<MorePages | undefined>();
  const moreAbort = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    moreAbort.current?.abort();
    setMore(undefined);
  }, [first.data]);
  const hits = data ? (more && more.base === data ? [...data.hits, ...more.hits] : data.hits) : [];
  const total = data?.total ?? 0;
  const done = hits.length >= total || hits.length >= MAX_ROWS || (more?.base === data && more?.done === true);

  const loadMore = useCallback(() => {
    // Only from the current query's own answer: while a new query loads, the old rows are on show.
    if (!data || data !== first.data || done || (more?.base === data && (more.loading || more.error))) return;
    // The scroll sentinel and the button can both fire before React renders the loading state:
    // the page in flight, not the state, decides, or the same page would be fetched and shown twice.
    if (moreAbort.current && !moreAbort.current.signal.aborted) return;
    const last = hits[hits.length - 1];
    if (!last) return;
    const controller = new AbortController();
    moreAbort.current = controller;
    const settle = (): void => {
      if (moreAbort.current === controller) moreAbort.current = undefined;
    };
    const range = data.time_range;
    const body: SearchBody = { ...base, ...(range ? { from: range.from, to: range.to } : {}), size: Math.min(NEXT_PAGE, MAX_ROWS - hits.length), search_after: last.sort };
    setMore((m) => ({ base: data, hits: m?.base === data ? m.hits : [], loading: true, done: false }));
    api.search(body, controller.signal).then(
      (page) => {
        settle();
        setMore((m) => (m?.base === data ? { ...m, hits: [...m.hits, ...page.hits], loading: false, done: page.hits.length === 0 } : m));
      },
      (e: unknown) => {
        settle();
        if (isAbort(e)) return;
        const error = e instanceof ApiError ? e : new ApiError(0, 'internal', String(e));
        if (error.isAuth) view.authLost();
        setMore((m) => (m?.base === data ? { ...m, loading: false, error } : m));
      },
    );
  }, [data, first.data, done, more, hits.length, key]);

  const histogram = data?.aggregations['histogram'];
  return (
    <div className="discover">
      <FieldSidebar fields={fields.data?.fields} fieldsError={fields.error} base={base} />
      <main className={`discover-main${first.loading ? ' loading' : ''}`} data-testid="discover" data-ready={String(first.ready && !!first.data)} aria-busy={first.loading}>
        {first.loading && <div className="progress" aria-hidden="true" />}
        {first.error && <QueryError error={first.error} query={state.query} />}
        {failed && <div className="empty big">Fix the query to see matching alerts.</div>}
        <div className="hits-header" hidden={failed}>
          <span className="hit-count" data-testid="hit-count" data-total={data ? String(total) : ''}>
            <strong>{data ? total.toLocaleString('en-US') : '…'}</strong> {total === 1 ? 'hit' : 'hits'}
          </span>
          {data && (
            <span className="hits-meta">
              {data.time_range && `${formatTime(data.time_range.from, false)} → ${formatTime(data.time_range.to, false)} ${zoneAbbreviation(data.time_range.from)}`}
              {histogram?.type === 'date_histogram' && ` · per ${intervalLabel(histogram)}`}
              {' · '}
              <IntervalSelect scaled={interval.scaled} testId="discover-interval" />
              {` · ${data.took_ms} ms`}
              {first.updatedAt !== undefined && state.refreshMs > 0 && ` · updated ${formatTime(first.updatedAt, false).slice(11)}`}
            </span>
          )}
          {data && (
            // The export reads the result on show: its resolved time range, so that "now" stays put.
            <ExportButton body={{ ...base, ...(data.time_range ? { from: data.time_range.from, to: data.time_range.to } : {}), columns: state.columns.length > 0 ? [...new Set(['@timestamp', ...state.columns])] : [] }} />
          )}
        </div>
        {histogram?.type === 'date_histogram' && (
          <Histogram
            buckets={histogram.buckets}
            intervalMs={histogram.interval_ms}
            range={data?.time_range ?? null}
            height={112}
            label="Count over time"
            testId="discover-histogram"
            onZoom={(from, to) => view.update((s) => ({ ...s, time: absoluteSpan(from, to) }))}
          />
        )}
        {data && (
          <DocTable
            hits={hits}
            fields={fields.data?.fields}
            total={total}
            done={done}
            loadingMore={more?.base === data && more.loading}
            moreError={more?.base === data ? more.error : undefined}
            capped={hits.length >= MAX_ROWS && total > MAX_ROWS}
            onLoadMore={loadMore}
          />
        )}
      </main>
    </div>
  );
}
