/**
 * @module A document's own page, its permanent link (`/doc?index=…&id=…`): the document with every
 * field, and the alerts just before and after it on the same host with the query and filters
 * dropped (N each side, selectable), the document itself highlighted. Each surrounding alert links
 * to its own page. Values are text.
 */
import { api, type DocumentContext, type FieldInfo, type Hit } from './api.js';
import { DocDetail } from './components/doc-detail.js';
import { displayText } from './components/value-cell.js';
import { useLiveQuery } from './hooks.js';
import { levelColor, levelTextColor } from './levels.js';
import { CONTEXT_SIZES, docUrl, type DocRef } from './state.js';
import { useView } from './view-context.js';

function field(hit: Hit, path: string): unknown {
  let node: unknown = hit.document;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return Object.hasOwn(hit.document, path) ? hit.document[path] : undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function ContextRow({ hit, anchor, doc }: { hit: Hit; anchor: boolean; doc: DocRef }): React.JSX.Element {
  const view = useView();
  const level = field(hit, 'rule.level');
  const href = docUrl({ index: hit.index, id: hit.id, size: doc.size });
  return (
    <tr className={anchor ? 'context-row anchor' : 'context-row'} data-testid="context-row" data-id={hit.id} aria-current={anchor ? 'true' : undefined}>
      <td className="time-col">
        {anchor ? (
          <strong>{displayText('@timestamp', hit.document['@timestamp'], 'date')}</strong>
        ) : (
          <a
            href={href}
            onClick={(e) => {
              if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              view.update((s) => ({ ...s, page: 'doc', doc: { index: hit.index, id: hit.id, size: doc.size } }));
            }}
          >
            {displayText('@timestamp', hit.document['@timestamp'], 'date')}
          </a>
        )}
      </td>
      <td className="num">
        {level === undefined ? (
          '—'
        ) : (
          <span className="level-chip" style={{ background: levelColor(level), color: levelTextColor(level) }}>
            {String(level)}
          </span>
        )}
      </td>
      <td>{String(field(hit, 'rule.comment') ?? hit.document['@message'] ?? '')}</td>
      <td className="mono">{String(field(hit, 'srcip') ?? '')}</td>
      <td className="context-log">{String(field(hit, 'full_log') ?? '')}</td>
    </tr>
  );
}

export function DocPage({ fields }: { fields?: FieldInfo[] }): React.JSX.Element {
  const view = useView();
  const doc = view.state.doc ?? { index: '', id: '', size: CONTEXT_SIZES[0] as number };
  const context = useLiveQuery<DocumentContext>(doc.index && doc.id ? `doc:${doc.index}:${doc.id}:${doc.size}` : null, (signal) => api.context(doc.index, doc.id, doc.size, signal), 0, view.nonce, view.authLost);
  const types = new Map((fields ?? []).map((f) => [f.name, f.type]));
  const data = context.data;
  const stream = data ? String(data.anchor.document['@log_stream'] ?? '') : '';
  const permalink = `${window.location.origin}${docUrl(doc)}`;

  return (
    <main className="doc-page" data-testid="doc-page" data-ready={data ? 'true' : 'false'} aria-busy={data || context.error ? undefined : true}>
      <h1 className="page-title">Alert {doc.id ? <span className="mono">{doc.id}</span> : null}</h1>
      {!doc.index || !doc.id ? (
        <p role="alert">This link names no document: a document link is /doc?index=cwl-YYYY.MM.DD&amp;id=….</p>
      ) : context.error ? (
        <p className="audit-error" role="alert" data-testid="doc-error">
          {context.error.message}
        </p>
      ) : null}
      {data && (
        <>
          <p className="doc-permalink">
            Permanent link:{' '}
            <a href={docUrl(doc)} data-testid="permalink">
              {permalink}
            </a>
          </p>
          <section aria-labelledby="context-title">
            <div className="context-head">
              <h2 id="context-title">
                Surrounding alerts on <span className="mono">{stream}</span>
              </h2>
              <label className="audit-field">
                <span>Alerts each side</span>
                <select value={doc.size} onChange={(e) => view.update((s) => ({ ...s, page: 'doc', doc: { ...doc, size: Number(e.target.value) } }))} data-testid="context-size">
                  {CONTEXT_SIZES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <span className="muted">Same host, any query and filters dropped, newest first.</span>
            </div>
            <table className="indices-table context-table" data-testid="context-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col" className="num">
                    Level
                  </th>
                  <th scope="col">Rule</th>
                  <th scope="col">srcip</th>
                  <th scope="col">full_log</th>
                </tr>
              </thead>
              <tbody>
                {[...data.newer].reverse().map((h) => (
                  <ContextRow key={`${h.index}/${h.id}`} hit={h} anchor={false} doc={doc} />
                ))}
                <ContextRow hit={data.anchor} anchor doc={doc} />
                {data.older.map((h) => (
                  <ContextRow key={`${h.index}/${h.id}`} hit={h} anchor={false} doc={doc} />
                ))}
              </tbody>
            </table>
          </section>
          <h2>Document</h2>
          <DocDetail hit={data.anchor} types={types} />
        </>
      )}
    </main>
  );
}
