/**
 * @module Which role each query API route needs: one table, read by one middleware. `viewer` reads
 * (search, fields, aggregations, indices, ingest state); `admin` also changes and reads what is
 * sensitive (index deletion, dead letters, settings, keys, the audit log). A route missing from the
 * table needs `admin`, so a new route is closed until someone places it here.
 */
import type { Principal, QueryRole } from '../core/principal.js';

export interface RouteRule {
  /** An HTTP method, or `*` for any. HEAD is judged as GET (Hono answers it with the GET route). */
  method: string;
  /** Segments; `:name` matches one segment, a final `*` any rest (none included). */
  path: string;
  role: QueryRole;
  /** The audit vocabulary's name for what this route does; a refusal of a route that has one is recorded. */
  action?: string;
}

export const ROUTE_ROLES: readonly RouteRule[] = [
  { method: 'GET', path: '/api/session', role: 'viewer' },
  { method: 'POST', path: '/api/logout', role: 'viewer' },
  { method: 'POST', path: '/api/login-link', role: 'viewer' },
  { method: 'GET', path: '/api/openapi.json', role: 'viewer' },
  { method: 'POST', path: '/api/search', role: 'viewer' },
  { method: 'POST', path: '/api/export', role: 'viewer' },
  { method: 'GET', path: '/api/fields', role: 'viewer' },
  { method: 'POST', path: '/api/fields/top', role: 'viewer' },
  { method: 'GET', path: '/api/indices', role: 'viewer' },
  { method: 'GET', path: '/api/ingest', role: 'viewer' },
  { method: 'GET', path: '/api/fleet', role: 'viewer' },
  { method: 'GET', path: '/api/doc/:index/:id', role: 'viewer' },
  { method: 'GET', path: '/api/doc/:index/:id/context', role: 'viewer' },
  { method: 'GET', path: '/metrics', role: 'viewer' },
  // Saved searches and queries are shared by everyone who signs in, as in a Kibana space: a viewer
  // lists, opens and creates them; changing or deleting one needs its maker or an admin, which
  // the saved objects API checks on the stored object (src/api/saved/saved-objects-api.ts).
  { method: '*', path: '/api/saved/*', role: 'viewer' },
  // Detections (issue 15): everyone who signs in sees and searches them and checks a rule;
  // acknowledging, closing and changing rules is an admin's. Notification attempts name channels
  // and their errors (which may quote a receiver's answer): admin.
  { method: 'GET', path: '/api/detections', role: 'viewer' },
  { method: 'GET', path: '/api/detections/:id', role: 'viewer' },
  { method: 'POST', path: '/api/detections/:id/status', role: 'admin', action: 'detections:SetStatus' },
  { method: 'GET', path: '/api/rules', role: 'viewer' },
  { method: 'POST', path: '/api/rules/validate', role: 'viewer' },
  { method: 'POST', path: '/api/rules', role: 'admin', action: 'rules:Add' },
  { method: 'DELETE', path: '/api/rules/:id', role: 'admin', action: 'rules:Delete' },
  { method: 'GET', path: '/api/notifications', role: 'admin', action: 'notifications:Read' },
  { method: 'DELETE', path: '/api/indices/:name', role: 'admin', action: 'index:Delete' },
  // Dead letters hold whole events a sink refused, of any log group.
  { method: 'GET', path: '/api/dead-letters', role: 'admin', action: 'deadLetters:List' },
  { method: 'DELETE', path: '/api/dead-letters/:id', role: 'admin', action: 'deadLetters:Delete' },
  { method: 'POST', path: '/api/dead-letters/replay', role: 'admin', action: 'deadLetters:Replay' },
  // First match wins: the reads before the catch-all changes.
  { method: 'GET', path: '/api/settings', role: 'admin', action: 'settings:Read' },
  { method: '*', path: '/api/settings', role: 'admin', action: 'settings:Change' },
  { method: '*', path: '/api/settings/*', role: 'admin', action: 'settings:Change' },
  { method: 'GET', path: '/api/keys', role: 'admin', action: 'keys:List' },
  { method: '*', path: '/api/keys', role: 'admin', action: 'keys:Change' },
  { method: '*', path: '/api/keys/*', role: 'admin', action: 'keys:Change' },
  { method: 'GET', path: '/api/audit', role: 'admin', action: 'audit:Read' },
  { method: '*', path: '/api/audit/*', role: 'admin', action: 'audit:Read' },
];

const RANK: Record<QueryRole, number> = { viewer: 1, admin: 2 };

/** Whether `role` includes everything `needed` may do. */
export function roleAllows(role: QueryRole, needed: QueryRole): boolean {
  return RANK[role] >= RANK[needed];
}

function matches(rule: RouteRule, method: string, path: string): boolean {
  if (rule.method !== '*' && rule.method !== (method === 'HEAD' ? 'GET' : method)) return false;
  const want = rule.path.split('/');
  const got = path.split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '*' && i === want.length - 1) return got.length > i && got.slice(i).join('/') !== '';
    const g = got[i];
    if (g === undefined) return false;
    if (w.startsWith(':') ? g === '' : w !== g) return false;
  }
  return got.length === want.length;
}

/** The rule for a request, or the fail-closed default (admin) for a route not in the table. */
export function ruleFor(method: string, path: string): RouteRule {
  return ROUTE_ROLES.find((r) => matches(r, method, path)) ?? { method, path, role: 'admin' };
}

export type Authorization = { kind: 'allowed'; rule: RouteRule } | { kind: 'denied'; rule: RouteRule; message: string };

/** Whether `principal` may make this request; a denial names the role needed and the role held. */
export function authorize(principal: Principal, method: string, path: string): Authorization {
  const rule = ruleFor(method, path);
  const role = principal.kind === 'api-token' || principal.kind === 'session' ? principal.role : undefined;
  if (role !== undefined && roleAllows(role, rule.role)) return { kind: 'allowed', rule };
  const who = principal.kind === 'session' ? `this session (from token ${principal.tokenId})` : principal.kind === 'api-token' ? `token ${principal.id}` : 'this caller';
  return { kind: 'denied', rule, message: `${method} ${path} needs the ${rule.role} role; ${who} has ${role ?? 'none'}.` };
}
