/**
 * @module The bar both pages share: the Lucene query (Enter runs it) with suggestions as you type
 * (recent queries, field names, a field's top values; an ARIA combobox: up/down move, Enter or Tab
 * takes, Esc closes), the time picker, the auto-refresh interval and the Update/Refresh button.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api, isAbort, type FieldInfo } from '../api.js';
import { REFRESH_CHOICES } from '../state.js';
import { applySuggestion, fieldSuggestions, parseRecent, recentSuggestions, rememberQuery, tokenAt, valueSuggestions, type Suggestion, type Token } from '../suggest.js';
import { useView } from '../view-context.js';
import { SavedMenu } from './saved-menu.js';
import { TimePicker } from './time-picker.js';

const RECENT_KEY = 'hidsmon.recentQueries';
const NUMERIC = new Set(['integer', 'long', 'double']);

function loadRecent(): string[] {
  try {
    return parseRecent(window.localStorage.getItem(RECENT_KEY));
  } catch {
    return [];
  }
}

function saveRecent(recent: string[]): void {
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
  } catch {
    // Storage off or full: recent queries are a convenience.
  }
}

export function SearchBar(): React.JSX.Element {
  const { state, update, reload, authLost } = useView();
  const [draft, setDraft] = useState(state.query);
  // Back/forward and links change the query under the input.
  useEffect(() => setDraft(state.query), [state.query]);
  const changed = draft.trim() !== state.query;
  const input = useRef<HTMLInputElement | null>(null);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [fields, setFields] = useState<FieldInfo[]>([]);
  const [values, setValues] = useState<{ field: string; values: Array<{ value: string | number; count: number }> } | undefined>();
  const [recent, setRecent] = useState<string[]>(loadRecent);
  // Where the caret goes once a taken suggestion is in the input: set as the render commits,
  // before the next key press (a later frame could land after keys typed meanwhile).
  const pendingCaret = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === undefined) return;
    pendingCaret.current = undefined;
    input.current?.setSelectionRange(at, at);
  }, [draft]);

  // The catalog once a suggestion may need it (the first focus).
  const fieldsWanted = open && fields.length === 0;
  useEffect(() => {
    if (!fieldsWanted) return undefined;
    const controller = new AbortController();
    api.fields(controller.signal).then(
      (r) => setFields(r.fields),
      (e: unknown) => {
        if (!isAbort(e) && (e as { isAuth?: boolean }).isAuth) authLost();
      },
    );
    return () => controller.abort();
  }, [fieldsWanted]);

  const token: Token = tokenAt(draft, Math.min(caret, draft.length));
  const valueField = token.field !== undefined && fields.find((f) => f.name === token.field && f.aggregatable && f.type !== 'date' && f.type !== 'text') ? token.field : undefined;
  // A field's top values in the time range shown, fetched shortly after typing stops.
  useEffect(() => {
    if (!open || valueField === undefined || values?.field === valueField) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.topValues({ query: '', from: state.time.from, to: state.time.to, field: valueField, size: 50 }, controller.signal).then(
        (r) => setValues({ field: valueField, values: r.values }),
        () => undefined,
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [open, valueField, state.time.from, state.time.to]);

  const suggestions: Suggestion[] = !open
    ? []
    : token.field !== undefined
      ? valueField !== undefined && values?.field === valueField
        ? valueSuggestions(token.valuePrefix ?? '', values.values)
        : []
      : [...recentSuggestions(draft, recent).slice(0, draft.trim() === '' ? 10 : 3), ...fieldSuggestions(token.text, fields)];
  const shown = suggestions.length > 0;
  const current = active >= 0 && active < suggestions.length ? active : -1;

  const take = (s: Suggestion): void => {
    const next = applySuggestion(draft, token, s, NUMERIC.has(fields.find((f) => f.name === token.field)?.type ?? ''));
    setDraft(next.text);
    setCaret(next.caret);
    setActive(-1);
    // A field name goes on to its values; a value or a recent query closes the list.
    setOpen(s.kind === 'field');
    pendingCaret.current = next.caret;
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(0);
        return;
      }
      const n = suggestions.length;
      if (n === 0) return;
      setActive(e.key === 'ArrowDown' ? (current + 1) % n : current <= 0 ? n - 1 : current - 1);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && shown && (current >= 0 || e.key === 'Tab')) {
      // Enter takes the highlighted one (with none, Enter runs the query); Tab takes the first too.
      e.preventDefault();
      take(suggestions[current >= 0 ? current : 0]!);
    } else if (e.key === 'Escape' && shown) {
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  };

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    const query = draft.trim();
    setOpen(false);
    setActive(-1);
    if (query !== '') {
      const next = rememberQuery(recent, query);
      setRecent(next);
      saveRecent(next);
    }
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
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={shown}
          aria-controls="query-suggestions"
          aria-activedescendant={current >= 0 ? `query-suggestion-${current}` : undefined}
          ref={input}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(-1);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? draft.length)}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        <ul id="query-suggestions" role="listbox" aria-label="Suggestions" className="query-suggestions" data-testid="query-suggestions" hidden={!shown}>
          {suggestions.map((s, i) => (
            <li
              key={`${s.kind}:${s.label}`}
              id={`query-suggestion-${i}`}
              role="option"
              aria-selected={i === current}
              className={`suggestion ${s.kind}${i === current ? ' active' : ''}`}
              data-kind={s.kind}
              // Before the input's blur: a click takes the suggestion instead of closing the list.
              onMouseDown={(e) => {
                e.preventDefault();
                take(s);
              }}
            >
              <span className="suggestion-label">{s.label}</span>
              <span className="suggestion-detail">{s.detail}</span>
            </li>
          ))}
        </ul>
      </form>
      <SavedMenu />
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
