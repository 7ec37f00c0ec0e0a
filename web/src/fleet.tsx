/**
 * @module The fleet view: every host (log stream) with its alerts in the time range, highest
 * level, last alert and its agent's last heartbeat, silent hosts first and highlighted (a stopped
 * agent is what an intruder does first); beside it the ingest health (forwarder lag, requests
 * refused, duplicates collapsed, dead letters with their reasons and, for an admin, a replay).
 * Refreshed every few seconds, so that a host turns silent without a reload. Values are text.
 */
import { useState } from 'react';
import { api, ApiError, type FleetHost, type FleetStatus, type IngestStatus, type Role } from './api.js';
import { addFilter } from './filters.js';
import { useLiveQuery, useReadyMark } from './hooks.js';
import { levelColor, levelTextColor } from './levels.js';
import { urlFromState } from './state.js';
import { formatTime, QUICK_RANGES } from './time.js';
import { useView } from './view-context.js';

/** How often the page asks again when no auto-refresh is chosen: well under the default 180 s silence. */
const DEFAULT_REFRESH_MS = 5_000;

/** One formatter for every row (toLocaleString may build one per call, a thousand times). */
const COUNT = new Intl.NumberFormat('en-US');

const STATUS_LABEL: Record<FleetHost['status'], string> = { silent: 'silent', reporting: 'reporting', no_heartbeat: 'no heartbeat' };

/** A whole number of the largest unit that fits (45 s, 12 min, 5 h, 3 d): a glance, not a measurement. */
export function roughDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function ago(ms: number | null, nowMs: number): string {
  if (ms === null) return '—';
  return `${formatTime(ms, false)} (${roughDuration(nowMs - ms)} ago)`;
}

export function FleetPage({ role }: { role: Role }): React.JSX.Element {
  const view = useView();
  const { state } = view;
  const refreshMs = state.refreshMs > 0 ? state.refreshMs : DEFAULT_REFRESH_MS;
  const range = { from: state.time.from, to: state.time.to };
  const fleet = useLiveQuery<FleetStatus>(`fleet:${range.from}:${range.to}`, (signal) => api.fleet(range, signal), refreshMs, view.nonce, view.authLost);
  const ingest = useLiveQuery<IngestStatus>('ingest', (signal) => api.ingest(signal), refreshMs, view.nonce, view.authLost);
  useReadyMark('hidsmon:fleet:ready', fleet.data !== undefined);
  const data = fleet.data;
  const silent = data?.hosts.filter((h) => h.status === 'silent').length ?? 0;

  return (
    <main className="fleet-page" data-testid="fleet-page" data-ready={data ? 'true' : 'false'} aria-busy={data ? undefined : true}>
      <h1 className="page-title">Fleet</h1>
      <section className="fleet-summary" aria-label="Fleet summary">
        <label className="audit-field">
          <span>Alerts in</span>
          <select value={QUICK_RANGES.some((r) => r.from === range.from && r.to === range.to) ? range.from : ''} onChange={(e) => view.update((s) => ({ ...s, time: { from: e.target.value, to: 'now' } }))} data-testid="fleet-range">
            {!QUICK_RANGES.some((r) => r.from === range.from && r.to === range.to) && <option value="">{`${range.from} → ${range.to}`}</option>}
            {QUICK_RANGES.map((r) => (
              <option key={r.from} value={r.from}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {data && (
          <>
            <span>
              <strong data-testid="fleet-host-count">{data.hosts.length}</strong> hosts
            </span>
            <span className={silent > 0 ? 'fleet-silent-count alarm' : 'fleet-silent-count'}>
              <strong data-testid="fleet-silent-count">{silent}</strong> silent
            </span>
            <span data-testid="fleet-threshold">Silent: no heartbeat for more than {roughDuration(data.silent_host_seconds * 1000)} (server setting silent_host_seconds)</span>
          </>
        )}
      </section>
      {fleet.error && (
        <p className="audit-error" role="alert">
          {fleet.error.message}
        </p>
      )}
      {data && <HostsTable fleet={data} />}
      {data?.truncated && <p>More hosts than the fleet view lists: the busiest are shown.</p>}
      <IngestHealth status={ingest.data} role={role} onReplayed={view.reload} />
      <p>
        {role === 'admin' ? (
          <a href="/audit" data-testid="fleet-audit-link">
            Audit log: who changed what, and every refusal
          </a>
        ) : (
          'The audit log is open to admins.'
        )}
      </p>
    </main>
  );
}

/** Rows shown at first, and added per "Show more": the silent hosts come first, so they are always on screen. */
export const FLEET_PAGE_ROWS = 200;

function HostsTable({ fleet }: { fleet: FleetStatus }): React.JSX.Element {
  const { state } = useView();
  const [limit, setLimit] = useState(FLEET_PAGE_ROWS);
  const shown = fleet.hosts.slice(0, limit);
  return (
    <>
    <table className="indices-table fleet-table" data-testid="fleet-table">
      <caption className="visually-hidden">Hosts, silent ones first</caption>
      <thead>
        <tr>
          <th scope="col">Host (log stream)</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Alerts
          </th>
          <th scope="col" className="num">
            Highest level
          </th>
          <th scope="col">Last alert</th>
          <th scope="col">Last heartbeat</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((h) => (
          <tr key={h.log_stream} className={`fleet-host status-${h.status}`} data-testid="fleet-host" data-host={h.log_stream} data-status={h.status}>
            <td className="mono">
              <a href={urlFromState({ ...state, page: 'discover', filters: addFilter(state.filters, '@log_stream', h.log_stream, false) })}>{h.log_stream}</a>
            </td>
            <td>
              <span className={`status-badge ${h.status}`}>{STATUS_LABEL[h.status]}</span>
              {h.status === 'silent' && h.last_heartbeat !== null && <span className="fleet-silent-for"> for {roughDuration(fleet.now - h.last_heartbeat)}</span>}
            </td>
            <td className="num">{COUNT.format(h.alerts)}</td>
            <td className="num">
              {h.max_level === null ? (
                '—'
              ) : (
                <span className="level-chip" style={{ background: levelColor(h.max_level), color: levelTextColor(h.max_level) }}>
                  {h.max_level}
                </span>
              )}
            </td>
            <td>{ago(h.last_alert, fleet.now)}</td>
            <td data-testid="fleet-last-heartbeat">{ago(h.last_heartbeat, fleet.now)}</td>
          </tr>
        ))}
        {fleet.hosts.length === 0 && (
          <tr>
            <td colSpan={6}>No hosts have sent alerts or heartbeats in this range.</td>
          </tr>
        )}
      </tbody>
    </table>
    {shown.length < fleet.hosts.length && (
      <p className="fleet-more">
        {shown.length.toLocaleString('en-US')} of {fleet.hosts.length.toLocaleString('en-US')} hosts shown.{' '}
        <button type="button" className="button small" onClick={() => setLimit((l) => l + FLEET_PAGE_ROWS * 5)} data-testid="fleet-more">
          Show more
        </button>{' '}
        <button type="button" className="button small" onClick={() => setLimit(fleet.hosts.length)} data-testid="fleet-all">
          Show all
        </button>
      </p>
    )}
    </>
  );
}

function IngestHealth({ status, role, onReplayed }: { status: IngestStatus | undefined; role: Role; onReplayed: () => void }): React.JSX.Element {
  if (!status) return <section className="fleet-ingest" aria-busy="true" />;
  const rejected = Object.entries(status.rejected ?? {});
  const duplicates = Object.entries(status.duplicates ?? {});
  return (
    <section className="fleet-ingest" aria-labelledby="fleet-ingest-title" data-testid="fleet-ingest">
      <h2 id="fleet-ingest-title">Ingest health</h2>
      <table className="indices-table">
        <thead>
          <tr>
            <th scope="col">Destination</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Lag (events)
            </th>
            <th scope="col" className="num">
              Lag (s)
            </th>
            <th scope="col" className="num">
              Duplicates collapsed
            </th>
          </tr>
        </thead>
        <tbody>
          {status.forwarder.map((f) => (
            <tr key={f.destination} data-testid="fleet-destination">
              <td className="mono">{f.destination}</td>
              <td>{f.status}</td>
              <td className="num">{f.lag_events}</td>
              <td className="num">{Math.round(f.lag_seconds)}</td>
              <td className="num">{status.duplicates?.[f.destination] ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="fleet-rejected">
        Requests refused since the server started{status.since ? ` (${formatTime(status.since, false)})` : ''}:{' '}
        {rejected.length === 0 ? 'none' : rejected.map(([reason, n]) => `${reason} ${n}`).join(', ')}.{' '}
        {duplicates.length === 0 ? '' : `Duplicates collapsed: ${duplicates.reduce((n, [, d]) => n + d, 0)}.`}
      </p>
      <DeadLetters count={status.dead_letters} role={role} onReplayed={onReplayed} />
    </section>
  );
}

function DeadLetters({ count, role, onReplayed }: { count: number; role: Role; onReplayed: () => void }): React.JSX.Element {
  const view = useView();
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const letters = useLiveQuery(role === 'admin' ? `dead-letters:${count}` : null, (signal) => api.deadLetters(signal), 0, view.nonce, view.authLost);
  const replay = (ids?: number[]): void => {
    setBusy(true);
    api.replayDeadLetters(ids).then(
      (r) => {
        setMessage(`${r.replayed.length} replayed${r.failed.length > 0 ? `, ${r.failed.length} refused again: ${r.failed[0]?.reason ?? ''}` : ''}.`);
        setBusy(false);
        onReplayed();
      },
      (e: unknown) => {
        setMessage(e instanceof ApiError ? e.message : String(e));
        setBusy(false);
      },
    );
  };
  return (
    <div className="fleet-dead-letters" data-testid="fleet-dead-letters">
      <h3>
        Dead letters: <span data-testid="fleet-dead-letter-count">{count}</span>
      </h3>
      {role !== 'admin' ? (
        <p>Events a destination refused for good. An admin can see their reasons and replay them.</p>
      ) : (
        <>
          {count > 0 && (
            <button type="button" className="button primary" disabled={busy} onClick={() => replay()} data-testid="replay-all">
              Replay all
            </button>
          )}
          {message && (
            <p role="status" data-testid="replay-result">
              {message}
            </p>
          )}
          {(letters.data?.dead_letters.length ?? 0) > 0 && (
            <table className="indices-table">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Time</th>
                  <th scope="col">Destination</th>
                  <th scope="col">Log stream</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Message</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {letters.data?.dead_letters.map((d) => (
                  <tr key={d.id} data-testid="dead-letter">
                    <td className="num">{d.id}</td>
                    <td>{formatTime(d.time_ms, false)}</td>
                    <td className="mono">{d.destination}</td>
                    <td className="mono">{d.log_stream}</td>
                    <td className="dead-letter-reason">{d.reason}</td>
                    <td className="mono dead-letter-message">{d.message.length > 200 ? `${d.message.slice(0, 200)}…` : d.message}</td>
                    <td>
                      <button type="button" className="button" disabled={busy} onClick={() => replay([d.id])} aria-label={`Replay dead letter ${d.id}`}>
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
