/** @module The column chooser: every field of the catalog, checked when it is a column. */
import { useState } from 'react';
import type { FieldInfo } from '../api.js';
import { usePopover } from '../hooks.js';
import { DEFAULT_COLUMNS } from '../state.js';
import { useView } from '../view-context.js';

export function ColumnChooser({ fields }: { fields: readonly FieldInfo[] | undefined }): React.JSX.Element {
  const { state, update, toggleColumn } = useView();
  const popover = usePopover<HTMLDivElement>();
  const [search, setSearch] = useState('');
  const names = [...new Set([...state.columns, ...(fields ?? []).map((f) => f.name)])].filter((n) => n !== '@timestamp');
  const shown = names.filter((n) => n.toLowerCase().includes(search.trim().toLowerCase()));
  return (
    <div className="column-chooser" ref={popover.ref}>
      <button type="button" className="button small" aria-haspopup="dialog" aria-expanded={popover.open} onClick={popover.toggle} data-testid="column-chooser">
        Columns ({state.columns.length})
      </button>
      {popover.open && (
        <div className="popover columns-popover" role="dialog" aria-label="Columns">
          <input type="search" placeholder="Find a field" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Find a field" autoFocus />
          <ul className="column-list">
            {shown.map((name) => (
              <li key={name}>
                <label>
                  <input type="checkbox" checked={state.columns.includes(name)} onChange={() => toggleColumn(name)} data-testid="column-option" data-field={name} />
                  <span>{name}</span>
                </label>
              </li>
            ))}
          </ul>
          <div className="popover-footer">
            <button type="button" className="link-button" onClick={() => update((s) => ({ ...s, columns: [...DEFAULT_COLUMNS] }))}>
              Reset to defaults
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
