/**
 * @module The admin panel: the daily indices, with their documents and size, and the keys. An admin
 * may delete an index (after a second click that names it) and sees the keys; a viewer sees the
 * delete control disabled and why. The server refuses a
 * viewer's delete anyway: hiding the control only spares a refused click.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type IndexInfo, type Role } from '../api.js';
import { KeysList } from './keys-list.js';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function IndicesPanel({ role, onClose, onChanged }: { role: Role; onClose: () => void; onChanged: () => void }): React.JSX.Element {
  const [indices, setIndices] = useState<IndexInfo[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const isAdmin = role === 'admin';

  const load = useCallback((signal?: AbortSignal) => {
    api.indices(signal).then(
      (r) => setIndices(r.indices),
      (e: unknown) => {
        if (!signal?.aborted) setError(e instanceof ApiError ? e.message : String(e));
      },
    );
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const remove = (name: string): void => {
    setBusy(true);
    setError(undefined);
    api.deleteIndex(name).then(
      () => {
        setConfirming(undefined);
        setBusy(false);
        load();
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setConfirming(undefined);
        setError(e instanceof ApiError ? e.message : String(e));
      },
    );
  };

  return (
    <div className="indices-overlay" role="dialog" aria-label="Indices" data-testid="indices-panel" data-ready={indices !== undefined ? 'true' : 'false'}>
      <div className="indices-card">
        <div className="indices-head">
          <h2>Daily indices</h2>
          <button type="button" className="button small" onClick={onClose}>
            Close
          </button>
        </div>
        {!isAdmin && (
          <p className="indices-note" data-testid="indices-viewer-note">
            You are signed in as a <strong>viewer</strong>: deleting an index needs the admin role.
          </p>
        )}
        {error && (
          <p className="indices-error" role="alert" data-testid="indices-error">
            {error}
          </p>
        )}
        {indices === undefined ? (
          <p aria-busy="true">Loading…</p>
        ) : indices.length === 0 ? (
          <p>No indices yet.</p>
        ) : (
          <table className="indices-table">
            <thead>
              <tr>
                <th>Index</th>
                <th className="num">Documents</th>
                <th className="num">Size</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {indices.map((index) => (
                <tr key={index.name} data-testid="index-row" data-index={index.name}>
                  <td>{index.name}</td>
                  <td className="num">{index.documents.toLocaleString('en-US')}</td>
                  <td className="num">{formatBytes(index.bytes)}</td>
                  <td className="num">
                    {confirming === index.name ? (
                      <>
                        <button type="button" className="button small danger" disabled={busy} onClick={() => remove(index.name)} data-testid="confirm-delete-index">
                          Delete {index.name}
                        </button>{' '}
                        <button type="button" className="button small" onClick={() => setConfirming(undefined)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        className="button small"
                        disabled={!isAdmin || busy}
                        title={isAdmin ? `Delete ${index.name} and its documents` : 'Deleting an index needs the admin role'}
                        onClick={() => setConfirming(index.name)}
                        data-testid="delete-index"
                      >
                        Delete…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <KeysList role={role} />
      </div>
    </div>
  );
}
