/**
 * @module The Ingest page: the durable log's size, the forwarder per destination, and per log
 * group what decides its indexing (retention, subscription filters) with the latest changes to
 * them: who, when, from where, and whether it was allowed. A filter that never matches stops a
 * group's indexing without an error anywhere else, so it is shown here. Values are text.
 */
import { useEffect, useState } from 'react';
import { api, type IngestStatus } from './api.js';
import { useApiFailure } from './hooks.js';
import { useView } from './view-context.js';

export function IngestPage(): React.JSX.Element {
  const view = useView();
  const [status, setStatus] = useState<IngestStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  const fail = useApiFailure(setError);

  useEffect(() => {
    const controller = new AbortController();
    api.ingest(controller.signal).then(
      (s) => {
        setStatus(s);
        setError(undefined);
      },
      fail,
    );
    return () => controller.abort();
  }, [view.nonce]);

  if (error)
    return (
      <main className="ingest-page" data-testid="ingest-page">
        <p className="audit-error" role="alert">
          {error}
        </p>
      </main>
    );
  if (!status) return <main className="ingest-page" data-testid="ingest-page" data-ready="false" aria-busy="true" />;
  const groups = status.log_groups ?? [];
  return (
    <main className="ingest-page" data-testid="ingest-page" data-ready="true">
      <section className="ingest-summary">
        <span>
          <strong>{status.log.groups}</strong> log groups
        </span>
        <span>
          <strong>{status.log.streams}</strong> streams
        </span>
        <span>
          <strong>{status.log.events.toLocaleString('en-US')}</strong> events in the log
        </span>
        <span>
          <strong>{status.dead_letters}</strong> dead letters
        </span>
      </section>
      <h2>Forwarder</h2>
      <table className="indices-table ingest-table">
        <thead>
          <tr>
            <th>Destination</th>
            <th>Status</th>
            <th className="num">Lag (events)</th>
            <th className="num">Lag (s)</th>
            <th className="num">Restarts</th>
          </tr>
        </thead>
        <tbody>
          {status.forwarder.map((f) => (
            <tr key={f.destination}>
              <td className="mono">{f.destination}</td>
              <td>{f.status}</td>
              <td className="num">{f.lag_events}</td>
              <td className="num">{Math.round(f.lag_seconds)}</td>
              <td className="num">{f.restarts}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Log groups: what decides their indexing</h2>
      {groups.length === 0 && <p>No log groups yet.</p>}
      {groups.map((g) => (
        <section key={g.name} className="ingest-group" data-testid="ingest-group" data-group={g.name}>
          <h3>
            <span className="mono">{g.name}</span>
            {!g.exists && <span className="outcome-badge failed"> deleted</span>}
          </h3>
          <p>
            Retention: {g.retention_days === null ? 'never expires' : `${g.retention_days} day(s)`}.{' '}
            {g.subscription_filters.length === 0 ? (
              g.exists ? 'No subscription filters: every event goes to the embedded index (auto_subscribe).' : ''
            ) : (
              <>Subscription filters (only matching events are indexed):</>
            )}
          </p>
          {g.subscription_filters.length > 0 && (
            <ul className="ingest-filters">
              {g.subscription_filters.map((f) => (
                <li key={f.name}>
                  <span className="mono">{f.name}</span>: pattern <code data-testid="ingest-filter-pattern">{f.pattern === '' ? '(empty: every event)' : f.pattern}</code> → <span className="mono">{f.destination}</span>
                </li>
              ))}
            </ul>
          )}
          {g.recent_changes.length > 0 && (
            <table className="indices-table ingest-changes" data-testid="ingest-changes">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Actor</th>
                  <th>Source IP</th>
                  <th>Change</th>
                  <th>Outcome</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {g.recent_changes.map((c) => (
                  <tr key={c.id} className={`outcome-${c.outcome}`}>
                    <td>{c.time}</td>
                    <td>{c.actor.id}</td>
                    <td>{c.source_ip ?? '—'}</td>
                    <td className="mono">{c.action}</td>
                    <td>
                      <span className={`outcome-badge ${c.outcome}`}>{c.outcome}</span>
                    </td>
                    <td className="mono">{c.detail ? JSON.stringify(c.detail) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </main>
  );
}
