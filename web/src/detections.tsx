/**
 * @module The Detections page: what the rules found, newest first (time, severity, rule, group,
 * count, hosts, window, status), each with a link to Discover showing exactly its matching alerts
 * (the detection's query over its window) and, for admins, Acknowledge and Close. A row's button
 * opens its first matching alerts. Below them the rules (rules.tsx). Group values, hosts and alert text are attacker-controlled:
 * they are put in the page as text nodes, never as HTML.
 */
import { useEffect, useState } from 'react';
import { api, type DetectionJson, type DetectionListJson, type NotificationsJson, type Role } from './api.js';
import { useApiFailure, useReadyMark } from './hooks.js';
import { RulesSection } from './rules.js';
import { defaultState, urlFromState, type ViewState } from './state.js';
import { formatTime } from './time.js';
import { useView } from './view-context.js';

const STATUS_CHOICES: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'open,acknowledged', label: 'Open and acknowledged' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'closed', label: 'Closed' },
  { value: '', label: 'All' },
];

interface Filters {
  status: string;
  q: string;
}

const EMPTY: Filters = { status: 'open,acknowledged', q: '' };
const PAGE = 50;

/** Discover with exactly the detection's alerts: its query, over its window, no other filter. */
export function discoverStateFor(d: Pick<DetectionJson, 'query' | 'window'>): ViewState {
  return { ...defaultState('discover'), query: d.query, time: { from: d.window.start, to: d.window.end } };
}

function groupLabel(d: DetectionJson): string {
  return d.group.length === 0 ? '(all)' : d.group.map((g) => `${g.field}: ${g.value}`).join(', ');
}

export function DetectionsPage({ role }: { role: Role }): React.JSX.Element {
  const view = useView();
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const [list, setList] = useState<DetectionListJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  useReadyMark('detections', list !== undefined || error !== undefined);

  const fail = useApiFailure(setError);

  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    api.detections({ ...filters, limit: PAGE }, controller.signal).then(setList, fail);
    return () => controller.abort();
  }, [filters, view.nonce, fail]);

  const more = (): void => {
    if (!list?.next) return;
    setLoadingMore(true);
    api.detections({ ...filters, limit: PAGE, cursor: list.next }).then(
      (page) => {
        setList((old) => ({ detections: [...(old?.detections ?? []), ...page.detections], total: page.total, next: page.next }));
        setLoadingMore(false);
      },
      (e: unknown) => {
        setLoadingMore(false);
        fail(e);
      },
    );
  };

  const setStatus = (d: DetectionJson, status: DetectionJson['status']): void => {
    setBusy(d.id);
    api.setDetectionStatus(d.id, status).then(
      (updated) => {
        setBusy(undefined);
        setList((old) => old && { ...old, detections: old.detections.map((x) => (x.id === updated.id ? updated : x)) });
      },
      (e: unknown) => {
        setBusy(undefined);
        fail(e);
      },
    );
  };

  const openInDiscover = (d: DetectionJson) => (e: React.MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    view.update(() => discoverStateFor(d));
  };

  return (
    <main className="detections-page audit-page" data-testid="detections-page" data-ready={list !== undefined ? 'true' : 'false'}>
      <form
        className="audit-filters"
        role="search"
        aria-label="Detections"
        onSubmit={(e) => {
          e.preventDefault();
          // A new object, so that Apply asks again even when the filters did not change.
          setFilters({ ...draft });
        }}
      >
        <label className="audit-field">
          <span>Status</span>
          <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })} data-testid="detections-status">
            {STATUS_CHOICES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="audit-field">
          <span>Text</span>
          <input type="text" value={draft.q} placeholder="rule, source IP, host, alert text…" onChange={(e) => setDraft({ ...draft, q: e.target.value })} data-testid="detections-q" />
        </label>
        <button type="submit" className="button primary" data-testid="detections-apply">
          Apply
        </button>
        <button type="button" className="button" onClick={() => setFilters({ ...draft })} title="Ask again for the newest detections" data-testid="detections-refresh">
          Refresh
        </button>
      </form>
      {error && (
        <p className="audit-error" role="alert" data-testid="detections-error">
          {error}
        </p>
      )}
      {list !== undefined && (
        <>
          <p className="audit-count" data-testid="detections-count">
            {list.detections.length === 0 ? 'No detections match.' : `${list.total} detection${list.total === 1 ? '' : 's'}, newest first`}
          </p>
          <table className="doc-table audit-table detections-table" data-testid="detections-table">
            <thead>
              <tr>
                <th className="col-time">Time</th>
                <th className="col-severity">Severity</th>
                <th>Rule</th>
                <th>Group</th>
                <th className="num col-count">Count</th>
                <th>Hosts</th>
                <th className="col-window">Window</th>
                <th className="col-status">Status</th>
                <th className="col-actions">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.detections.map((d) => (
                <DetectionRow key={d.id} d={d} role={role} open={open === d.id} busy={busy === d.id} onToggle={() => setOpen(open === d.id ? undefined : d.id)} onStatus={(s) => setStatus(d, s)} onDiscover={openInDiscover(d)} />
              ))}
            </tbody>
          </table>
          {list.next && (
            <div className="table-end">
              <button type="button" className="button" onClick={more} disabled={loadingMore} data-testid="detections-more">
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
        </>
      )}
      <RulesSection role={role} />
      {role === 'admin' && <NotificationsPanel />}
    </main>
  );
}

/** The last notification attempts (admins: they name channels and quote receivers' answers). */
function NotificationsPanel(): React.JSX.Element | null {
  const view = useView();
  const [log, setLog] = useState<NotificationsJson | undefined>();
  const [error, setError] = useState<string | undefined>();
  const fail = useApiFailure(setError);
  useEffect(() => {
    const controller = new AbortController();
    api.notifications(controller.signal).then(setLog, fail);
    return () => controller.abort();
  }, [view.nonce, fail]);
  if (error) return <p className="audit-error" role="alert">{`Notifications: ${error}`}</p>;
  if (!log) return null;
  return (
    <section className="notifications-panel" aria-labelledby="notifications-heading" data-testid="notifications-panel">
      <h2 id="notifications-heading">Notifications</h2>
      {!log.configured ? (
        <p className="audit-count">No notification channels are configured (notifications: in hidsmon.yaml).</p>
      ) : (
        <>
          <p className="audit-count" data-testid="notifications-stats">
            {`Since start: ${log.stats.sent} sent, ${log.stats.failed} failed, ${log.stats.retried} retried, ${log.stats.suppressed} suppressed by the throttle, ${log.stats.dropped} dropped, ${log.stats.queued} waiting.`}
          </p>
          <table className="doc-table audit-table detections-table" data-testid="notifications-table">
            <thead>
              <tr>
                <th className="col-time">Time</th>
                <th>Channel</th>
                <th>Detection</th>
                <th className="num col-count">Attempt</th>
                <th className="col-status">Result</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {log.attempts.map((a, i) => (
                <tr key={`${a.time_ms}-${a.channel}-${a.detection_id}-${a.attempt}-${i}`} data-testid="notification-row">
                  <td className="col-time">{formatTime(a.time_ms, false)}</td>
                  <td className="mono">{`${a.channel} (${a.channel_kind})`}</td>
                  <td className="mono" title={a.detection_id}>
                    {a.rule_id}
                  </td>
                  <td className="num">{a.attempt}</td>
                  <td>
                    <span className={`outcome-badge notify-${a.result}`}>{a.result}</span>
                  </td>
                  <td className="audit-message">{a.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function DetectionRow(props: { d: DetectionJson; role: Role; open: boolean; busy: boolean; onToggle: () => void; onStatus: (s: DetectionJson['status']) => void; onDiscover: (e: React.MouseEvent) => void }): React.JSX.Element {
  const { d, role, open, busy } = props;
  const discover = urlFromState(discoverStateFor(d));
  return (
    <>
      <tr className={`detection-row status-${d.status} severity-${d.rule.severity}`} data-testid="detection-row" data-id={d.id}>
        <td className="col-time">
          <button type="button" className="link-button" aria-expanded={open} onClick={props.onToggle} title="Show the first matching alerts" data-testid="detection-open">
            {formatTime(Date.parse(d.created_at), false)}
          </button>
        </td>
        <td>
          <span className={`severity-badge ${d.rule.severity}`}>{d.rule.severity}</span>
        </td>
        <td title={`${d.rule.id} (${d.rule.kind})`} data-testid="detection-rule">
          {d.rule.name}
        </td>
        <td className="mono" data-testid="detection-group">
          {groupLabel(d)}
        </td>
        <td className="num" data-testid="detection-count">
          {d.count}
        </td>
        <td className="mono" data-testid="detection-hosts">
          {d.hosts.join(', ')}
        </td>
        <td className="mono">
          {formatTime(Date.parse(d.window.start), false)}
          {' → '}
          {formatTime(Date.parse(d.window.end), false)}
        </td>
        <td>
          <span className={`outcome-badge status-${d.status}`} data-testid="detection-status" title={d.status_by ? `${d.status} by ${d.status_by} at ${d.status_at ?? ''}` : undefined}>
            {d.status}
          </span>
        </td>
        <td className="detection-actions">
          <div className="detection-actions-inner">
          <a href={discover} onClick={props.onDiscover} data-testid="detection-discover" title={`Discover: ${d.query}`}>
            View alerts
          </a>
          {role === 'admin' && d.status === 'open' && (
            <button type="button" className="button small" disabled={busy} onClick={() => props.onStatus('acknowledged')} data-testid="detection-ack">
              Acknowledge
            </button>
          )}
          {role === 'admin' && d.status !== 'closed' && (
            <button type="button" className="button small" disabled={busy} onClick={() => props.onStatus('closed')} data-testid="detection-close">
              Close
            </button>
          )}
          {role === 'admin' && d.status === 'closed' && (
            <button type="button" className="button small" disabled={busy} onClick={() => props.onStatus('open')} data-testid="detection-reopen">
              Reopen
            </button>
          )}
          </div>
        </td>
      </tr>
      {open && (
        <tr className="audit-detail-row">
          <td colSpan={9}>
            <dl className="audit-detail" data-testid="detection-detail">
              <dt>Rule</dt>
              <dd>
                {d.rule.name} · {d.rule.id} · {d.rule.kind}
              </dd>
              <dt>Query</dt>
              <dd className="mono">{d.query}</dd>
              <dt>First matching alerts</dt>
              <dd>
                <ol className="detection-evidence">
                  {d.evidence.map((e) => (
                    <li key={`${e.index}/${e.id}`}>
                      <span className="mono">{e['@timestamp']}</span> <span className="mono">{e['@log_stream']}</span>
                      {e.level !== undefined ? ` level ${e.level}` : ''}
                      <pre data-testid="detection-evidence-text">{e.text}</pre>
                    </li>
                  ))}
                </ol>
              </dd>
            </dl>
          </td>
        </tr>
      )}
    </>
  );
}
