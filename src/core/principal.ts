/**
 * @module Who made a request, as every part that authorizes or audits it sees them: a SigV4 access
 * key (the CloudWatch Logs API), an API token or a browser session made from one (the query API),
 * or the server itself. Types only; the credential store and the access checks fill them in.
 */

/** Roles of the query API: `viewer` reads (search, fields, aggregations, indices, ingest state); `admin` also changes. */
export type QueryRole = 'viewer' | 'admin';

export type Principal =
  /** A SigV4 key; `arn` is what AccessDeniedException names ("User: <arn> is not authorized ..."). */
  | { kind: 'access-key'; id: string; arn: string }
  /** A long-lived API token, by its id (never its secret). */
  | { kind: 'api-token'; id: string; role: QueryRole }
  /** A browser session: the role and id of the token whose login link made it. */
  | { kind: 'session'; id: string; tokenId: string; role: QueryRole }
  /** The server's own work (retention, start-up). */
  | { kind: 'system'; id: 'hidsmon' }
  /** Nobody proved who they are (a refused request). */
  | { kind: 'anonymous'; id: '-' };
