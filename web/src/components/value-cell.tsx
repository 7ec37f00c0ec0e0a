/**
 * @module One field value as text, with + / − buttons to filter on it. Everything here is
 * attacker-controlled text, rendered by React as text nodes: never markup, never a link.
 */
import { filterableValues, valueText } from '../document-fields.js';
import { levelColor, levelTextColor } from '../levels.js';
import { formatTime } from '../time.js';
import { useView } from '../view-context.js';

const DATE_FIELDS = new Set(['@timestamp', 'TimeStamp']);

/** A value as shown: dates in the chosen time zone, the rest as plain text. */
export function displayText(field: string, value: unknown, type?: string): string {
  const ms = dateValue(field, value, type);
  return ms === undefined ? valueText(value) : formatTime(ms);
}

/** A date field's value as epoch ms (the document view writes the zone beside it). */
export function dateValue(field: string, value: unknown, type?: string): number | undefined {
  if ((type === 'date' || DATE_FIELDS.has(field)) && (typeof value === 'number' || typeof value === 'string')) {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}

export function FilterButtons({ field, value }: { field: string; value: string | number | boolean }): React.JSX.Element {
  const { filter } = useView();
  return (
    <span className="filter-buttons">
      <button type="button" className="icon-button" title="Filter for value" aria-label={`Filter for ${field}: ${String(value)}`} data-testid="filter-for" onClick={() => filter(field, value, false)}>
        +
      </button>
      <button type="button" className="icon-button" title="Filter out value" aria-label={`Filter out ${field}: ${String(value)}`} data-testid="filter-out" onClick={() => filter(field, value, true)}>
        −
      </button>
    </span>
  );
}

/** A table cell's content: the value, and on hover the filter buttons when there is one value to filter on. */
export function ValueCell({ field, value, type }: { field: string; value: unknown; type?: string }): React.JSX.Element {
  const values = filterableValues(value);
  const text = displayText(field, value, type);
  return (
    <span className="value-cell">
      {field === 'rule.level' && values.length === 1 ? (
        <span className="level-badge" style={{ background: levelColor(value), color: levelTextColor(value) }}>
          {text}
        </span>
      ) : (
        <span className="cell-text" title={text.length > 60 ? text : undefined}>
          {text === '' ? <span className="missing">—</span> : text}
        </span>
      )}
      {values.length === 1 && <FilterButtons field={field} value={values[0] as string | number | boolean} />}
    </span>
  );
}
