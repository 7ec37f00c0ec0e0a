/**
 * @module The server's access keys and API tokens by id, profile or role (never a secret), for an
 * admin; a viewer is told that listing them needs the admin role, and the list is not asked for.
 */
import { useEffect, useState } from 'react';
import { api, ApiError, type KeysListing, type Role } from '../api.js';

export function KeysList({ role }: { role: Role }): React.JSX.Element {
  const [keys, setKeys] = useState<KeysListing | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (role !== 'admin') return;
    const controller = new AbortController();
    api.keys(controller.signal).then(setKeys, (e: unknown) => {
      if (!controller.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
    });
    return () => controller.abort();
  }, [role]);

  return (
    <section className="keys-list" data-testid="keys-list" data-ready={role !== 'admin' || keys !== undefined || error !== undefined ? 'true' : 'false'}>
      <h2>Keys and tokens</h2>
      {role !== 'admin' ? (
        <p className="indices-note" data-testid="keys-viewer-note">
          Listing access keys and API tokens needs the admin role.
        </p>
      ) : error ? (
        <p className="indices-error" role="alert">
          {error}
        </p>
      ) : keys === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table className="indices-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Kind</th>
              <th>Grants</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {keys.access_keys.map((k) => (
              <tr key={`k-${k.id}`} data-testid="key-row" data-id={k.id}>
                <td>{k.id}</td>
                <td>access key</td>
                <td>{k.profile ?? 'own statements'}{k.log_groups ? ` (${k.log_groups.join(', ')})` : ''}</td>
                <td>{k.revoked ? 'revoked' : 'active'}</td>
              </tr>
            ))}
            {keys.api_tokens.map((t) => (
              <tr key={`t-${t.id}`} data-testid="key-row" data-id={t.id}>
                <td>{t.id}</td>
                <td>API token</td>
                <td>{t.role}</td>
                <td>{t.revoked ? 'revoked' : 'active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
