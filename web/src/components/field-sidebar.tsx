/**
 * @module The field sidebar: the catalog's fields with their types, selected fields first. A
 * field opens to its top 5 values under the current query, with their share and + / − buttons,
 * and can be added as a column.
 */
import { useState } from 'react';
import { api, ApiError, type FieldInfo, type SearchBody, type TopValues } from '../api.js';
import { useLiveQuery } from '../hooks.js';
import { useView } from '../view-context.js';
import { FilterButtons } from './value-cell.js';
import { formatShare } from '../format.js';

const TYPE_BADGE: Record<string, { text: string; title: string }> = {
  text: { text: 't', title: 'text (analyzed)' },
  keyword: { text: 'k', title: 'keyword' },
  integer: { text: '#', title: 'integer' },
  long: { text: '#', title: 'long' },
  double: { text: '#', title: 'double' },
  date: { text: '◷', title: 'date' },
  ip: { text: 'ip', title: 'IP address' },
  boolean: { text: 'b', title: 'boolean' },
};

const pct = { format: formatShare };

function TypeBadge({ type }: { type: string }): React.JSX.Element {
  const badge = (Object.hasOwn(TYPE_BADGE, type) ? TYPE_BADGE[type] : undefined) ?? { text: '?', title: type };
  return (
    <span className={`type-badge type-${type}`} title={badge.title} aria-label={badge.title}>
      {badge.text}
    </span>
  );
}

function FieldDetails({ field, aggregatable, base }: { field: FieldInfo; aggregatable: boolean; base: SearchBody }): React.JSX.Element {
  const view = useView();
  const key = aggregatable && field.type !== 'date' ? JSON.stringify({ field: field.name, ...base }) : null;
  const top = useLiveQuery<TopValues>(key, (signal) => api.topValues({ ...base, field: field.name, size: 5 }, signal), 0, view.nonce, view.authLost);
  if (field.type === 'date') return <div className="field-details muted">Times are counted in the histogram.</div>;
  if (!key) return <div className="field-details muted">Not aggregatable. Filter on its values from an expanded document.</div>;
  if (top.error) return <div className="field-details form-problem">{top.error instanceof ApiError ? top.error.message : 'Failed.'}</div>;
  if (!top.data) return <div className="field-details muted">Loading top values…</div>;
  const { values, present, total } = top.data;
  return (
    <div className="field-details" data-testid="field-details" data-field={field.name}>
      <div className="field-details-title">
        Top {values.length} values · in {present.toLocaleString('en-US')} of {total.toLocaleString('en-US')} alerts{total > 0 ? ` (${pct.format(present / total)})` : ''}
      </div>
      {values.length === 0 && <div className="muted">No values in the matching alerts.</div>}
      <ol className="top-values">
        {values.map((v) => (
          <li key={String(v.value)} data-testid="top-value" data-value={String(v.value)} data-count={v.count}>
            <div className="top-value-line">
              <span className="top-value-text" title={String(v.value)}>
                {String(v.value)}
              </span>
              <span className="top-value-share">{pct.format(v.share)}</span>
              <FilterButtons field={field.name} value={v.value} />
            </div>
            <div className="share-track">
              <span className="share-fill" style={{ width: `${Math.min(100, v.share * 100)}%` }} />
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function FieldSidebar({ fields, fieldsError, base }: { fields: FieldInfo[] | undefined; fieldsError: ApiError | undefined; base: SearchBody }): React.JSX.Element {
  const { state, toggleColumn } = useView();
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const names = new Set((fields ?? []).map((f) => f.name));
  // As Kibana does, a text field's .keyword sub-field is not listed apart: the text field stands for both.
  const visible = (fields ?? []).filter((f) => !(f.name.endsWith('.keyword') && names.has(f.name.slice(0, -'.keyword'.length))));
  const matches = visible.filter((f) => f.name.toLowerCase().includes(search.trim().toLowerCase()));
  const byName = new Map(visible.map((f) => [f.name, f]));
  const selected = state.columns.map((c) => byName.get(c) ?? { name: c, type: 'keyword' as const, aggregatable: true }).filter((f) => matches.includes(f) || !byName.has(f.name));
  const available = matches.filter((f) => !state.columns.includes(f.name));

  const row = (f: FieldInfo): React.JSX.Element => {
    const isColumn = state.columns.includes(f.name);
    return (
      <li key={f.name} className={`field${open === f.name ? ' open' : ''}`} data-testid="sidebar-field" data-field={f.name}>
        <div className="field-line">
          <TypeBadge type={f.type} />
          <button type="button" className="field-name" aria-expanded={open === f.name} onClick={() => setOpen(open === f.name ? null : f.name)} title={`${f.name} (${f.type}): show top values`}>
            {f.name}
          </button>
          <button type="button" className={`button tiny field-toggle${isColumn ? ' on' : ''}`} onClick={() => toggleColumn(f.name)} data-testid="sidebar-toggle-column" aria-label={`${isColumn ? 'Remove' : 'Add'} column ${f.name}`}>
            {isColumn ? 'remove' : 'add'}
          </button>
        </div>
        {open === f.name && <FieldDetails field={f} aggregatable={f.aggregatable || names.has(`${f.name}.keyword`)} base={base} />}
      </li>
    );
  };

  return (
    <aside className="sidebar" aria-label="Fields" data-testid="field-sidebar">
      <input type="search" className="field-search" placeholder="Search field names" aria-label="Search field names" value={search} onChange={(e) => setSearch(e.target.value)} />
      {fieldsError && <div className="form-problem">{fieldsError.message}</div>}
      <div className="sidebar-section">Selected fields</div>
      <ul className="field-list">{selected.map(row)}</ul>
      <div className="sidebar-section">Available fields {fields ? `(${available.length})` : ''}</div>
      <ul className="field-list">{fields ? available.map(row) : <li className="muted">Loading…</li>}</ul>
    </aside>
  );
}
