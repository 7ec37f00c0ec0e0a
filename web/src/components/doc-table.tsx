/**
 * @module The document table: time and the chosen columns, newest first; a row expands to every
 * field (with filter and column buttons) and to the JSON. More rows load as the end scrolls into view.
 */
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiError, FieldInfo, Hit } from '../api.js';
import { flattenDocument, valueAt, valueText } from '../document-fields.js';
import { useView } from '../view-context.js';
import { ColumnChooser } from './column-chooser.js';
import { DocDetail } from './doc-detail.js';
import { displayText, ValueCell } from './value-cell.js';
import { zoneAbbreviation } from '../time.js';

export interface DocTableProps {
  hits: readonly Hit[];
  fields: readonly FieldInfo[] | undefined;
  total: number;
  done: boolean;
  loadingMore: boolean;
  moreError: ApiError | undefined;
  capped: boolean;
  onLoadMore(): void;
}

/** Widths for the columns whose values have a known size; the rest share what is left. */
// A Map: it is looked up by column names from the URL, any text (`constructor` is a field name too).
const COLUMN_WIDTHS: ReadonlyMap<string, number> = new Map([
  ['rule.level', 84],
  ['rule.sidid', 90],
  ['srcip', 128],
  ['dstip', 128],
  ['srcport', 80],
  ['dstport', 80],
  ['@log_stream', 176],
  ['@log_group', 150],
  ['hostname', 140],
  ['@timestamp', 188],
  ['TimeStamp', 188],
]);

/** The view's sort, newest first when absent. */
function parseViewSort(sort: ReadonlyArray<{ field: string; order: 'asc' | 'desc' }> | undefined): { field: string; order: 'asc' | 'desc' } {
  return sort?.[0] ?? { field: '@timestamp', order: 'desc' };
}

const MIN_COLUMN_WIDTH = 48;
const MAX_COLUMN_WIDTH = 2000;

/**
 * The handle on a header's right edge: drag it to widen or narrow the column, or focus it and
 * press the arrow keys (±20 px). `onResize` takes the new width in px.
 */
function ColumnResizer({ field, onResize }: { field: string; onResize(width: number, header: HTMLElement): void }): React.JSX.Element {
  const headerOf = (element: HTMLElement): HTMLElement => element.closest('th') ?? element;
  const headerWidth = (element: HTMLElement): number => headerOf(element).getBoundingClientRect().width;
  return (
    <button
      type="button"
      className="column-resizer"
      aria-label={`Resize column ${field} (left and right arrow keys)`}
      title="Drag to resize"
      data-testid="column-resizer"
      data-field={field}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        e.preventDefault();
        onResize(headerWidth(e.currentTarget) + (e.key === 'ArrowRight' ? 20 : -20), headerOf(e.currentTarget));
      }}
      onPointerDown={(e) => {
        const handle = e.currentTarget;
        const startX = e.clientX;
        const startWidth = headerWidth(handle);
        handle.setPointerCapture(e.pointerId);
        const move = (m: PointerEvent): void => onResize(startWidth + m.clientX - startX, headerOf(handle));
        const up = (): void => {
          handle.removeEventListener('pointermove', move);
          handle.removeEventListener('pointerup', up);
          handle.removeEventListener('pointercancel', up);
        };
        handle.addEventListener('pointermove', move);
        handle.addEventListener('pointerup', up);
        handle.addEventListener('pointercancel', up);
      }}
    />
  );
}

function hitKey(hit: Hit): string {
  return `${hit.index}/${hit.id}`;
}

/** With no columns chosen, a row shows its fields as `name: value` pairs, as Kibana's _source column does. */
function DocumentSummary({ hit }: { hit: Hit }): React.JSX.Element {
  const pairs = flattenDocument(hit.document).filter(([name]) => name !== '@message');
  return (
    <span className="doc-summary">
      {pairs.slice(0, 40).map(([name, value]) => (
        <Fragment key={name}>
          <span className="summary-name">{name}:</span> <span className="summary-value">{valueText(value)}</span>{' '}
        </Fragment>
      ))}
    </span>
  );
}

export function DocTable({ hits, fields, total, done, loadingMore, moreError, capped, onLoadMore }: DocTableProps): React.JSX.Element {
  const { state, update } = useView();
  // Expanded rows live in the view (the URL): a link or a reload opens them again.
  const expanded = useMemo<ReadonlySet<string>>(() => new Set(state.expanded ?? []), [state.expanded]);
  // After a resize every column has its width in px and the table their sum, so that widening one
  // column makes the table wider (it scrolls) instead of squeezing the others.
  const [sized, setSized] = useState<{ widths: ReadonlyMap<string, number>; table: number } | undefined>();
  const resize = (field: string, width: number, header: HTMLElement): void => {
    const cells = [...(header.closest('tr')?.children ?? [])] as HTMLElement[];
    const widths = new Map(cells.map((th, i) => [th.dataset['field'] ?? `#${i}`, Math.round(th.getBoundingClientRect().width)] as const));
    widths.set(field, Math.max(MIN_COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, Math.round(width))));
    setSized({ widths, table: [...widths.values()].reduce((n, w) => n + w, 0) });
  };
  const widthOf = (field: string): number | undefined => sized?.widths.get(field) ?? COLUMN_WIDTHS.get(field);
  const types = useMemo(() => new Map((fields ?? []).map((f) => [f.name, f.type])), [fields]);
  const sentinel = useRef<HTMLDivElement | null>(null);
  const loadRef = useRef(onLoadMore);
  loadRef.current = onLoadMore;

  useEffect(() => {
    const element = sentinel.current;
    if (!element || done) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadRef.current();
    }, { rootMargin: '400px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, [done, hits.length]);

  const columns = state.columns;
  const sort = parseViewSort(state.sort);
  const sortable = (field: string): boolean => field === '@timestamp' || (fields ?? []).some((f) => f.name === field && f.aggregatable && f.type !== 'text');
  /** Sorts by the column; again flips the order (the time column starts newest first, others lowest first). */
  const sortBy = (field: string): void =>
    update((s) => {
      const current = parseViewSort(s.sort);
      const order = current.field === field ? (current.order === 'asc' ? 'desc' : 'asc') : field === '@timestamp' ? 'desc' : 'asc';
      const next = { ...s };
      if (field === '@timestamp' && order === 'desc') delete next.sort;
      else next.sort = [{ field, order }];
      return next;
    });
  const sortButton = (field: string, label: React.ReactNode): React.ReactNode => {
    if (!sortable(field)) return label;
    const active = sort.field === field;
    const arrow = active ? (sort.order === 'asc' ? '↑' : '↓') : '↕';
    const next = active && sort.order === 'asc' ? 'descending' : active ? 'ascending' : field === '@timestamp' ? 'descending' : 'ascending';
    return (
      <button type="button" className={`sort-button${active ? ' active' : ''}`} onClick={() => sortBy(field)} aria-label={`${typeof label === 'string' ? label : field}: sort ${next}`} data-testid="sort-button" data-field={field}>
        {label} <span aria-hidden="true" className="sort-arrow">{arrow}</span>
      </button>
    );
  };
  const move = (field: string, by: number): void =>
    update((s) => {
      const cols = [...s.columns];
      const i = cols.indexOf(field);
      const j = i + by;
      if (i < 0 || j < 0 || j >= cols.length) return s;
      [cols[i], cols[j]] = [cols[j] as string, cols[i] as string];
      return { ...s, columns: cols };
    });
  const remove = (field: string): void => update((s) => ({ ...s, columns: s.columns.filter((c) => c !== field) }));
  const toggle = (key: string): void =>
    update((s) => {
      const open = s.expanded ?? [];
      const next = open.includes(key) ? open.filter((k) => k !== key) : [...open, key];
      const { expanded: _dropped, ...rest } = s;
      return next.length > 0 ? { ...rest, expanded: next } : rest;
    });

  return (
    <div className="doc-table-wrap">
      <div className="table-tools">
        <ColumnChooser fields={fields} />
        <button type="button" className={`button small${state.wrap ? ' on' : ''}`} aria-pressed={state.wrap === true} onClick={() => update((s) => ({ ...s, wrap: !s.wrap }))} data-testid="wrap-toggle" title="Wrap long values such as full_log instead of cutting them">
          Wrap lines
        </button>
        <span className="rows-note">
          {hits.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')} shown, {sort.field === '@timestamp' ? (sort.order === 'asc' ? 'oldest first' : 'newest first') : `by ${sort.field} ${sort.order === 'asc' ? 'ascending' : 'descending'}`}
        </span>
      </div>
      {/* Once a column is resized the table may grow past the page (it scrolls) instead of squeezing the others. */}
      <table className={`doc-table${state.wrap ? ' wrap' : ''}`} data-testid="doc-table" style={sized ? { width: sized.table, minWidth: '100%' } : undefined}>
        <thead>
          <tr>
            <th className="expand-col" aria-label="Expand" style={{ width: 28 }} />
            <th className="time-col" data-testid="column-header" data-field="@timestamp" style={{ width: 188 }} aria-sort={sort.field === '@timestamp' ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
              {sortButton('@timestamp', 'Time')} <span className="zone-badge" data-testid="table-time-zone">{zoneAbbreviation()}</span>
            </th>
            {columns.length === 0 && <th>Document</th>}
            {columns.map((c, i) => (
              <th key={c} data-testid="column-header" data-field={c} style={widthOf(c) !== undefined ? { width: widthOf(c) } : undefined} {...(sortable(c) ? { 'aria-sort': sort.field === c ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none' } : {})}>
                <span className="th-inner">
                  <span className="th-name">{sortButton(c, c)}</span>
                  <span className="th-actions">
                    <button type="button" className="icon-button" aria-label={`Move ${c} left`} title="Move left" disabled={i === 0} onClick={() => move(c, -1)}>
                      ‹
                    </button>
                    <button type="button" className="icon-button" aria-label={`Move ${c} right`} title="Move right" disabled={i === columns.length - 1} onClick={() => move(c, 1)}>
                      ›
                    </button>
                    <button type="button" className="icon-button" aria-label={`Remove column ${c}`} title="Remove column" onClick={() => remove(c)}>
                      ×
                    </button>
                  </span>
                </span>
                <ColumnResizer field={c} onResize={(width, header) => resize(c, width, header)} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {hits.map((hit) => {
            const key = hitKey(hit);
            const open = expanded.has(key);
            return (
              <Fragment key={key}>
                <tr className={`doc-row${open ? ' open' : ''}`} data-testid="doc-row" data-id={hit.id}>
                  <td className="expand-col">
                    <button type="button" className="icon-button expand" aria-expanded={open} aria-label={open ? 'Collapse document' : 'Expand document'} data-testid="row-expand" onClick={() => toggle(key)}>
                      {open ? '▾' : '▸'}
                    </button>
                  </td>
                  <td className="time-col">{displayText('@timestamp', hit.document['@timestamp'] ?? hit.sort[hit.sort.length - 2], 'date')}</td>
                  {columns.length === 0 && (
                    <td>
                      <DocumentSummary hit={hit} />
                    </td>
                  )}
                  {columns.map((c) => (
                    <td key={c} data-field={c}>
                      <ValueCell field={c} value={valueAt(hit.document, c)} {...(types.get(c) ? { type: types.get(c) as string } : {})} />
                    </td>
                  ))}
                </tr>
                {open && (
                  <tr className="doc-detail-row" data-testid="doc-detail-row">
                    <td colSpan={columns.length + 2 + (columns.length === 0 ? 1 : 0)}>
                      <DocDetail hit={hit} types={types} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {hits.length === 0 && <div className="empty big">No alerts match this query and time range. Widen the time range or remove a filter.</div>}
      <div ref={sentinel} className="table-end">
        {moreError ? (
          <span className="form-problem">
            Loading more failed: {moreError.message}{' '}
            <button type="button" className="link-button" onClick={onLoadMore}>
              Retry
            </button>
          </span>
        ) : capped ? (
          <span>
            Showing the first {hits.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')} alerts. Narrow the query or the time range to see the rest.
          </span>
        ) : !done ? (
          <button type="button" className="button" onClick={onLoadMore} disabled={loadingMore} data-testid="load-more">
            {loadingMore ? 'Loading…' : `Load more (${(total - hits.length).toLocaleString('en-US')} left)`}
          </button>
        ) : hits.length > 0 ? (
          <span>All {total.toLocaleString('en-US')} alerts shown.</span>
        ) : null}
      </div>
    </div>
  );
}
