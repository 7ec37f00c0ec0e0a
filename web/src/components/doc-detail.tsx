/** @module An expanded document: every field with filter and column buttons, or the JSON as text. */
import { useState } from 'react';
import type { Hit } from '../api.js';
import { filterableValues, flattenDocument } from '../document-fields.js';
import { CONTEXT_SIZES, docUrl } from '../state.js';
import { useView } from '../view-context.js';
import { dateValue, displayText, FilterButtons } from './value-cell.js';
import { zoneAbbreviation } from '../time.js';

export function DocDetail({ hit, types }: { hit: Hit; types: ReadonlyMap<string, string> }): React.JSX.Element {
  const { state, toggleColumn } = useView();
  const [tab, setTab] = useState<'table' | 'json'>('table');
  const rows = flattenDocument(hit.document);
  return (
    <div className="doc-detail" data-testid="doc-detail">
      <div className="detail-tabs">
        <span role="tablist" aria-label="Show the document as" className="detail-tablist">
        <button type="button" role="tab" aria-selected={tab === 'table'} className={tab === 'table' ? 'active' : ''} onClick={() => setTab('table')} data-testid="detail-tab-table">
          Table
        </button>
        <button type="button" role="tab" aria-selected={tab === 'json'} className={tab === 'json' ? 'active' : ''} onClick={() => setTab('json')} data-testid="detail-tab-json">
          JSON
        </button>
        </span>
        <span className="detail-id">
          {hit.index} · {hit.id}
        </span>
        <a className="detail-link" href={docUrl({ index: hit.index, id: hit.id, size: CONTEXT_SIZES[0] as number })} data-testid="doc-link" title="This document's own page: a link that opens it, with the alerts around it on its host">
          Surrounding alerts · permanent link
        </a>
      </div>
      {tab === 'json' ? (
        <pre className="doc-json" data-testid="doc-json">
          {JSON.stringify(hit.document, null, 2)}
        </pre>
      ) : (
        <table className="detail-table">
          <colgroup>
            <col style={{ width: 72 }} />
            <col style={{ width: 220 }} />
            <col />
          </colgroup>
          <tbody>
            {rows.map(([field, value]) => {
              const values = filterableValues(value);
              const isColumn = state.columns.includes(field);
              return (
                <tr key={field} data-field={field} data-testid="detail-field">
                  <td className="detail-actions">
                    {values.length === 1 ? <FilterButtons field={field} value={values[0] as string | number | boolean} /> : <span className="filter-buttons placeholder" />}
                    <button type="button" className={`icon-button${isColumn ? ' on' : ''}`} title={isColumn ? 'Remove column' : 'Add as column'} aria-label={`${isColumn ? 'Remove' : 'Add'} column ${field}`} aria-pressed={isColumn} data-testid="toggle-column" onClick={() => toggleColumn(field)}>
                      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" className="column-icon">
                        <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.3" />
                        <path d="M6 2.5v11M10 2.5v11" stroke="currentColor" strokeWidth="1.3" />
                        {isColumn && <rect x="6" y="2.5" width="4" height="11" fill="currentColor" />}
                      </svg>
                    </button>
                  </td>
                  <td className="detail-name">{field}</td>
                  <td className="detail-value">
                    {values.length > 1 ? (
                      <span className="value-chips">
                        {values.map((v, i) => (
                          <span className="value-chip" key={`${i}:${String(v)}`}>
                            <span className="chip-text">{String(v)}</span>
                            <FilterButtons field={field} value={v} />
                          </span>
                        ))}
                      </span>
                    ) : (
                      <span className="detail-text" data-testid="detail-value">
                        {displayText(field, value, types.get(field))}
                        {dateValue(field, value, types.get(field)) !== undefined && <span className="zone-badge">{zoneAbbreviation(dateValue(field, value, types.get(field)))}</span>}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
