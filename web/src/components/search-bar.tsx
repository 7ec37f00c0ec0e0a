/**
 * @module The bar both pages share: the Lucene query (Enter runs it), the time picker, the
 * auto-refresh interval and the Update/Refresh button.
 */
import { useEffect, useState } from 'react';
import { REFRESH_CHOICES } from '../state.js';
import { useView } from '../view-context.js';
import { TimePicker } from './time-picker.js';

export function SearchBar(): React.JSX.Element {
  const { state, update, reload } = useView();
  const [draft, setDraft] = useState(state.query);
  // Back/forward and links change the query under the input.
  useEffect(() => setDraft(state.query), [state.query]);
  const changed = draft.trim() !== state.query;

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    const query = draft.trim();
    if (query === state.query) reload();
    else update((s) => ({ ...s, query }));
  };

  return (
    <div className="search-bar">
      {/* The form holds only the query: the time picker has its own form, and forms must not nest. */}
      <form id="query-form" className="query-field" onSubmit={submit} role="search">
        <span className="query-lang" title="Lucene query syntax, as in Kibana: field:value, AND/OR/NOT, ranges [6 TO 10], wildcards, _exists_:field, CIDR on IP fields">
          Lucene
        </span>
        <input
          type="text"
          className="query-input"
          data-testid="query-input"
          aria-label="Search alerts with a Lucene query"
          placeholder='Search… e.g. rule.level:>=10 AND srcip:"10.0.0.0/8"'
          spellCheck={false}
          autoComplete="off"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
      </form>
      <TimePicker />
      <label className="refresh-picker" title="Auto-refresh: run the query again at this interval">
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" className={`refresh-icon${state.refreshMs > 0 ? ' on' : ''}`}>
          <path d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
          <path d="M12.5 1.5v3h-3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span className="visually-hidden">Auto-refresh</span>
        <select
          data-testid="refresh-select"
          aria-label="Auto-refresh interval"
          value={String(state.refreshMs)}
          onChange={(e) => {
            const refreshMs = Number(e.target.value);
            update((s) => ({ ...s, refreshMs }));
          }}
        >
          {REFRESH_CHOICES.map((r) => (
            <option key={r.key} value={String(r.ms)}>
              {r.ms === 0 ? 'Refresh: off' : `Every ${r.label}`}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" form="query-form" className={`button primary${changed ? ' changed' : ''}`} data-testid="query-submit">
        {changed ? 'Update' : 'Refresh'}
      </button>
    </div>
  );
}
