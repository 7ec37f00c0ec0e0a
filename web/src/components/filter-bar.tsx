/** @module Filter pills: each can be flipped between in and out, switched off and on, or removed. */
import { filterLabel, type Filter } from '../filters.js';
import { usePopover } from '../hooks.js';
import { useView } from '../view-context.js';

function Pill({ filter, index }: { filter: Filter; index: number }): React.JSX.Element {
  const { update } = useView();
  const menu = usePopover<HTMLSpanElement>();
  const change = (f: (x: Filter) => Filter | undefined): void => {
    menu.setOpen(false);
    update((s) => ({ ...s, filters: s.filters.flatMap((x, i) => (i === index ? (f(x) ?? []) : [x])) }));
  };
  const label = filterLabel(filter);
  return (
    <span
      ref={menu.ref}
      className={`pill${filter.negate ? ' negated' : ''}${filter.disabled ? ' disabled' : ''}`}
      data-testid="filter-pill"
      data-field={filter.field}
      data-value={String(filter.value)}
      data-negate={String(filter.negate)}
      data-disabled={String(filter.disabled)}
    >
      <button type="button" className="pill-label" title={`${label}${filter.disabled ? ' (disabled)' : ''}. Click for options.`} aria-haspopup="menu" aria-expanded={menu.open} onClick={menu.toggle}>
        {filter.negate && <span className="pill-not">NOT </span>}
        <span className="pill-field">{filter.field}:</span> <span className="pill-value">{String(filter.value)}</span>
      </button>
      <button type="button" className="pill-remove" aria-label={`Remove filter ${label}`} title="Remove" data-testid="pill-remove" onClick={() => change(() => undefined)}>
        ×
      </button>
      {menu.open && (
        <span className="popover pill-menu" role="menu">
          <button type="button" role="menuitem" data-testid="pill-negate" onClick={() => change((x) => ({ ...x, negate: !x.negate }))}>
            {filter.negate ? 'Include results' : 'Exclude results'}
          </button>
          <button type="button" role="menuitem" data-testid="pill-disable" onClick={() => change((x) => ({ ...x, disabled: !x.disabled }))}>
            {filter.disabled ? 'Re-enable' : 'Temporarily disable'}
          </button>
          <button type="button" role="menuitem" data-testid="pill-delete" onClick={() => change(() => undefined)}>
            Delete
          </button>
        </span>
      )}
    </span>
  );
}

export function FilterBar(): React.JSX.Element {
  const { state, update } = useView();
  return (
    <div className="filter-bar" data-testid="filter-bar">
      {state.filters.length === 0 ? (
        <span className="filter-hint">No filters. Click + or − beside any value to filter in or out.</span>
      ) : (
        <>
          {state.filters.map((f, i) => (
            <Pill key={`${f.field}\u0000${String(f.value)}`} filter={f} index={i} />
          ))}
          {state.filters.length > 1 && (
            <button type="button" className="link-button" onClick={() => update((s) => ({ ...s, filters: [] }))}>
              Clear all
            </button>
          )}
        </>
      )}
    </div>
  );
}
