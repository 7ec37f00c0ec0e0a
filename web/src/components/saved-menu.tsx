/**
 * @module The "Saved" menu of the search bar: save the view under a name (as a saved search, or a
 * saved query: query and pills only), and the saved searches and queries everyone shares, to open,
 * rename or delete. Also applies the saved query a link names (`?saved_query=<id>`, e.g. for the
 * dashboard). Names and every saved string are shown as text.
 */
import { useEffect, useState } from 'react';
import { api, ApiError, type SavedKind, type SavedObjectInfo } from '../api.js';
import { usePopover } from '../hooks.js';
import { SAVED_QUERY_PARAM, savedFieldsOf, viewOfSaved } from '../saved.js';
import { useView } from '../view-context.js';

/** Read once, before the app writes the view's own URL over it. */
let linkedSavedQuery: string | null = typeof window === 'undefined' ? null : new URLSearchParams(window.location.search).get(SAVED_QUERY_PARAM);

const KINDS: ReadonlyArray<{ kind: SavedKind; type: 'search' | 'query'; title: string }> = [
  { kind: 'searches', type: 'search', title: 'Saved searches' },
  { kind: 'queries', type: 'query', title: 'Saved queries' },
];

function message(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

function SavedRow({ item, kind, onOpen, onChanged }: { item: SavedObjectInfo; kind: SavedKind; onOpen: () => void; onChanged: (problem?: string) => void }): React.JSX.Element {
  const [renaming, setRenaming] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const rename = (e: React.FormEvent): void => {
    e.preventDefault();
    if (renaming === undefined || renaming.trim() === item.name) return setRenaming(undefined);
    api.savedChange(kind, item.id, { name: renaming }).then(
      () => {
        setRenaming(undefined);
        onChanged();
      },
      (err: unknown) => onChanged(message(err)),
    );
  };
  return (
    <li className="saved-row" data-testid="saved-row" data-name={item.name}>
      {renaming === undefined ? (
        <button type="button" className="link-button saved-open" data-testid="saved-open" onClick={onOpen} title={item.query === '' ? '(no query)' : item.query}>
          {item.name}
        </button>
      ) : (
        <form className="saved-rename" onSubmit={rename}>
          <input aria-label={`New name for ${item.name}`} data-testid="saved-rename-input" value={renaming} maxLength={100} autoFocus onChange={(e) => setRenaming(e.target.value)} />
          <button type="submit" className="button small" data-testid="saved-rename-submit">
            Rename
          </button>
          <button type="button" className="button small" onClick={() => setRenaming(undefined)}>
            Cancel
          </button>
        </form>
      )}
      {item.type === 'query' && (
        <a className="link-button small" href={`/dashboard?${SAVED_QUERY_PARAM}=${encodeURIComponent(item.id)}`} title="Open the dashboard with this query">
          dashboard
        </a>
      )}
      {renaming === undefined && (
        <button type="button" className="link-button small" data-testid="saved-rename" aria-label={`Rename ${item.name}`} onClick={() => setRenaming(item.name)}>
          rename
        </button>
      )}
      {confirming ? (
        <button
          type="button"
          className="link-button small danger"
          data-testid="saved-delete-confirm"
          onClick={() =>
            api.savedDelete(kind, item.id).then(
              () => onChanged(),
              (err: unknown) => {
                setConfirming(false);
                onChanged(message(err));
              },
            )
          }
        >
          really delete?
        </button>
      ) : (
        <button type="button" className="link-button small" data-testid="saved-delete" aria-label={`Delete ${item.name}`} onClick={() => setConfirming(true)}>
          delete
        </button>
      )}
    </li>
  );
}

export function SavedMenu(): React.JSX.Element {
  const view = useView();
  const popover = usePopover<HTMLDivElement>();
  const [lists, setLists] = useState<Record<SavedKind, SavedObjectInfo[]> | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [name, setName] = useState('');
  const [type, setType] = useState<'search' | 'query'>(view.state.page === 'dashboard' ? 'query' : 'search');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!popover.open) return undefined;
    const controller = new AbortController();
    Promise.all(KINDS.map((k) => api.savedList(k.kind, controller.signal))).then(
      ([searches, queries]) => setLists({ searches: searches ?? [], queries: queries ?? [] }),
      (e: unknown) => {
        if (!controller.signal.aborted) setProblem(message(e));
      },
    );
    return () => controller.abort();
  }, [popover.open, version]);

  // A link that names a saved query (the dashboard's "with this query" link) applies it once.
  useEffect(() => {
    const id = linkedSavedQuery;
    if (id === null) return;
    linkedSavedQuery = null;
    api.savedGet('queries', id).then(
      (saved) => view.update((s) => viewOfSaved(s, saved)),
      (e: unknown) => {
        setProblem(`The linked saved query: ${message(e)}`);
        popover.setOpen(true);
      },
    );
  }, []);

  const changed = (p?: string): void => {
    setProblem(p);
    setVersion((v) => v + 1);
  };

  const save = (e: React.FormEvent): void => {
    e.preventDefault();
    const kind: SavedKind = type === 'search' ? 'searches' : 'queries';
    api.savedCreate(kind, { name, ...savedFieldsOf(view.state, type) }).then(
      () => {
        setName('');
        changed();
      },
      (err: unknown) => setProblem(message(err)),
    );
  };

  return (
    <div className="saved-menu" ref={popover.ref}>
      <button type="button" className="button" data-testid="saved-menu" aria-haspopup="dialog" aria-expanded={popover.open} onClick={popover.toggle}>
        Saved
      </button>
      {popover.open && (
        <div className="popover saved-popover" role="dialog" aria-label="Saved searches and queries">
          <form className="popover-section saved-form" onSubmit={save}>
            <div className="popover-title">Save this view</div>
            <input aria-label="Name" placeholder="Name" data-testid="save-name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
            <select aria-label="Save as" data-testid="save-type" value={type} onChange={(e) => setType(e.target.value === 'query' ? 'query' : 'search')}>
              <option value="search">search (query, filters, columns, sort, time)</option>
              <option value="query">query (query and filters)</option>
            </select>
            <button type="submit" className="button primary" data-testid="save-submit" disabled={name.trim() === ''}>
              Save
            </button>
          </form>
          {problem && (
            <div className="form-problem" role="alert" data-testid="saved-problem">
              {problem}
            </div>
          )}
          {KINDS.map((k) => (
            <div className="popover-section" key={k.kind} data-testid={`saved-${k.kind}`}>
              <div className="popover-title">{k.title}</div>
              {!lists ? (
                <div className="muted">Loading…</div>
              ) : lists[k.kind].length === 0 ? (
                <div className="muted">None yet.</div>
              ) : (
                <ul className="saved-list">
                  {lists[k.kind].map((item) => (
                    <SavedRow
                      key={item.id}
                      item={item}
                      kind={k.kind}
                      onChanged={changed}
                      onOpen={() => {
                        popover.setOpen(false);
                        view.update((s) => viewOfSaved(s, item));
                      }}
                    />
                  ))}
                </ul>
              )}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
