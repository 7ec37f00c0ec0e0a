/**
 * @module The Audit page: the audit log newest first (time, actor, source address, action,
 * resource, outcome, message), filters as Kibana's bar has them, a row opens its detail, "Load
 * more" pages on with the server's cursor. Every value is attacker-controlled text: it is put in
 * the page as text nodes, never as HTML.
 */
import { useEffect, useState } from 'react';
import { api, ApiError, type AuditFilters, type AuditRecord } from './api.js';
import { apiErrorText, useApiFailure } from './hooks.js';
import { useView } from './view-context.js';

/** A 403 here means the role, not the request: say which role the page needs. */
function auditErrorText(e: unknown): string {
  return e instanceof ApiError && e.status === 403 ? `The audit log needs the admin role. ${e.message}` : apiErrorText(e);
}

const RANGES: ReadonlyArray<{ from: string; label: string }> = [
  { from: 'now-15m', label: 'Last 15 minutes' },
  { from: 'now-1h', label: 'Last hour' },
  { from: 'now-24h', label: 'Last 24 hours' },
  { from: 'now-7d', label: 'Last 7 days' },
  { from: 'now-30d', label: 'Last 30 days' },
  { from: 'now-90d', label: 'Last 90 days' },
  { from: '', label: 'All' },
];

const EMPTY: Required<Pick<AuditFilters, 'from' | 'actor' | 'action' | 'outcome' | 'resource' | 'q'>> = { from: 'now-7d', actor: '', action: '', outcome: '', resource: '', q: '' };

function actorLabel(e: AuditRecord): string {
  if (e.actor.kind === 'session' && e.actor.token_id) return `${e.actor.token_id} (session)`;
  if (e.actor.kind === 'anonymous') return 'anonymous';
  return e.actor.id;
}

function timeLabel(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function AuditPage(): React.JSX.Element {
  const view = useView();
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const [entries, setEntries] = useState<AuditRecord[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<number | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);

  const fail = useApiFailure(setError, auditErrorText);

  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    api.audit({ ...filters, limit: 100 }, controller.signal).then((page) => {
      setEntries(page.entries);
      setCursor(page.next_cursor);
      setDropped(page.dropped);
    }, fail);
    return () => controller.abort();
  }, [filters, view.nonce, fail]);

  const more = (): void => {
    if (!cursor) return;
    setLoadingMore(true);
    api.audit({ ...filters, limit: 100, cursor }).then(
      (page) => {
        setEntries((old) => [...(old ?? []), ...page.entries]);
        setCursor(page.next_cursor);
        setLoadingMore(false);
      },
      (e: unknown) => {
        setLoadingMore(false);
        fail(e);
      },
    );
  };

  const field = (name: keyof typeof EMPTY, label: string, placeholder: string): React.JSX.Element => (
    <label className="audit-field">
      <span>{label}</span>
      <input type="text" value={draft[name]} placeholder={placeholder} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} data-testid={`audit-${name}`} />
    </label>
  );

  return (
    <main className="audit-page" data-testid="audit-page" data-ready={entries !== undefined ? 'true' : 'false'}>
      <form
        className="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <label className="audit-field">
          <span>Time</span>
          <select value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="audit-range">
            {RANGES.map((r) => (
              <option key={r.from} value={r.from}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {field('q', 'Text', 'in message, resource, detail…')}
        {field('action', 'Action', 'logs:Put*  or  index:')}
        {field('actor', 'Actor', 'key or token id')}
        {field('resource', 'Resource', '*:log-group:hids-*')}
        <label className="audit-field">
          <span>Outcome</span>
          <select value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })} data-testid="audit-outcome">
            <option value="">Any</option>
            <option value="allowed">allowed</option>
            <option value="denied">denied</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <button type="submit" className="button primary" data-testid="audit-apply">
          Apply
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
        <button type="button" className="button" onClick={() => setFilters({ ...draft })} title="Ask again for the newest entries" data-testid="audit-refresh">
          Refresh
        </button>
      </form>
      {dropped > 0 && (
        <p className="audit-warning" role="alert" data-testid="audit-dropped">
          {dropped} audit entries were lost since the server started (see hidsmon_audit_dropped_total and the server log).
        </p>
      )}
      {error && (
        <p className="audit-error" role="alert" data-testid="audit-error">
          {error}
        </p>
      )}
      {entries !== undefined && !error && (
        <>
          <p className="audit-count">{entries.length === 0 ? 'No audit entries match.' : `${entries.length}${cursor ? '+' : ''} entries, newest first`}</p>
          <table className="doc-table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th className="col-time">Time</th>
                <th className="col-actor">Actor</th>
                <th className="col-ip">Source IP</th>
                <th className="col-action">Action</th>
                <th className="col-resource">Resource</th>
                <th className="col-outcome">Outcome</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <AuditRow key={e.id} entry={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? undefined : e.id)} />
              ))}
            </tbody>
          </table>
          {cursor && (
            <div className="table-end">
              <button type="button" className="button" onClick={more} disabled={loadingMore} data-testid="audit-more">
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
        </>
      )}
    </main>
  );
}

function AuditRow({ entry: e, open, onToggle }: { entry: AuditRecord; open: boolean; onToggle: () => void }): React.JSX.Element {
  return (
    <>
      <tr className={`audit-row outcome-${e.outcome}`} onClick={onToggle} data-testid="audit-row">
        <td className="col-time" title={e.time}>
          {/* The row opens on a click anywhere; this button is the same for the keyboard and screen readers (a row cannot be expanded, ARIA says). */}
          <button
            type="button"
            className="link-button audit-open"
            aria-expanded={open}
            onClick={(event) => {
              event.stopPropagation();
              onToggle();
            }}
          >
            {timeLabel(e.time_ms)}
          </button>
        </td>
        <td title={e.actor.arn ?? e.actor.kind}>{actorLabel(e)}</td>
        <td>{e.source_ip ?? '—'}</td>
        <td className="mono">{e.action}</td>
        <td className="mono audit-resource">{e.resource ?? '—'}</td>
        <td className="col-outcome">
          <span className={`outcome-badge ${e.outcome}`}>{e.outcome}</span>
        </td>
        <td className="audit-message" data-testid="audit-message">
          {e.message ?? ''}
        </td>
      </tr>
      {open && (
        <tr className="audit-detail-row">
          <td colSpan={7}>
            <dl className="audit-detail" data-testid="audit-detail">
              <dt>Actor</dt>
              <dd>{[e.actor.kind, e.actor.id, e.actor.arn, e.actor.role && `role ${e.actor.role}`, e.actor.token_id && `token ${e.actor.token_id}`].filter(Boolean).join(' · ')}</dd>
              <dt>Request</dt>
              <dd className="mono">{e.request_id ?? '—'}</dd>
              <dt>Time</dt>
              <dd>{e.time}</dd>
              <dt>Detail</dt>
              <dd>
                <pre>{e.detail ? JSON.stringify(e.detail, null, 2) : '—'}</pre>
              </dd>
            </dl>
          </td>
        </tr>
      )}
    </>
  );
}
