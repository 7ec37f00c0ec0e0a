/**
 * @module A ranked list drawn as horizontal bars: the label, a bar to scale and the count. Clicking
 * a row filters the view to it; its − button filters it out.
 */

export interface BarItem {
  key: string | number;
  label: string;
  count: number;
  color?: string;
  /** Small text after the label (e.g. a level band). */
  note?: string;
}

export interface BarListProps {
  items: readonly BarItem[];
  /** Counts are drawn relative to this (the largest count by default). */
  max?: number;
  /** For the share column. */
  total: number;
  onFilter(key: string | number, negate: boolean): void;
  testId: string;
  field: string;
  empty?: string;
}

import { formatShare } from '../format.js';

const pct = { format: formatShare };

export function BarList({ items, max, total, onFilter, testId, field, empty = 'No alerts match.' }: BarListProps): React.JSX.Element {
  const top = max ?? items.reduce((m, i) => Math.max(m, i.count), 0);
  if (items.length === 0) return <div className="empty">{empty}</div>;
  return (
    <ol className="bar-list" data-testid={testId}>
      {items.map((item) => (
        <li key={String(item.key)} className="bar-row" data-key={String(item.key)} data-count={item.count}>
          <button type="button" className="bar-main" title={`Filter on ${field}: ${item.label}`} onClick={() => onFilter(item.key, false)}>
            <span className="bar-label">
              {item.color && <span className="swatch" style={{ background: item.color }} />}
              <span className="bar-text">{item.label}</span>
              {item.note && <span className="bar-note">{item.note}</span>}
            </span>
            <span className="bar-track">
              <span className="bar-fill" style={{ width: `${top > 0 ? (item.count / top) * 100 : 0}%`, ...(item.color ? { background: item.color } : {}) }} />
            </span>
            <span className="bar-count">{item.count.toLocaleString('en-US')}</span>
            <span className="bar-share">{total > 0 ? pct.format(item.count / total) : ''}</span>
          </button>
          <button type="button" className="icon-button bar-out" aria-label={`Filter out ${field}: ${item.label}`} title="Filter out" onClick={() => onFilter(item.key, true)}>
            −
          </button>
        </li>
      ))}
    </ol>
  );
}
