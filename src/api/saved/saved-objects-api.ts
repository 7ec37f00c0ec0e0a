/**
 * @module `/api/saved/searches` and `/api/saved/queries`: list, get, create, rename or update, and
 * delete saved objects. Who may do what: everyone who can sign in (viewer) lists, opens and creates
 * (they are shared, as in a Kibana space); a viewer changes and deletes only what they made (the
 * token that signed them in made it), an admin anything. The route table gives every route to
 * viewer; the owner check is here, on the stored object. Every change, allowed or refused, is audited.
 */
import { Hono, type Context } from 'hono';
import type { AuditRecorder } from '../../core/audit.js';
import { isPlainObject } from '../../core/paths.js';
import type { Result } from '../../core/result.js';
import type { Principal } from '../../core/principal.js';
import { parseSavedName, parseSavedView, savedObjectJson, type SavedObject, type SavedObjectError, type SavedObjectType, type SavedView } from '../../saved/saved-object.js';
import type { SavedObjectStore } from '../../saved/saved-object-store.js';

export interface SavedObjectsApiDeps {
  store: SavedObjectStore;
  now: () => number;
  audit?: AuditRecorder;
}

type Env = { Variables: { principal: Principal; sourceIp: string | undefined; requestId: string } };

const PATHS: Record<string, SavedObjectType> = { searches: 'search', queries: 'query' };
const ACTION_PREFIX: Record<SavedObjectType, string> = { search: 'savedSearch', query: 'savedQuery' };
const STATUS: Record<SavedObjectError['code'], 400 | 403 | 404 | 409> = { invalid: 400, duplicate_name: 409, not_found: 404, forbidden: 403, too_many: 409 };
/** Ids are UUIDs; anything longer never came from this store. */
const MAX_ID = 64;
const VIEW_FIELDS = ['query', 'filters', 'columns', 'sort', 'time'] as const;

/**
 * Whose a saved object is: the API token, or the token whose login link made the session, with the
 * role held. The role is part of it because an admin's token can sign a browser in as a viewer: that
 * viewer does not own what the admin made.
 */
export function ownerOf(principal: Principal): string {
  if (principal.kind === 'session') return `token:${principal.tokenId}/${principal.role}`;
  if (principal.kind === 'api-token') return `token:${principal.id}/${principal.role}`;
  return `${principal.kind}:${principal.id}`;
}

function mayChange(principal: Principal, object: SavedObject): SavedObjectError | undefined {
  const role = principal.kind === 'session' || principal.kind === 'api-token' ? principal.role : undefined;
  if (role === 'admin' || ownerOf(principal) === object.owner) return undefined;
  return { code: 'forbidden', message: `The saved ${object.type} "${object.name}" was made by ${object.owner}; only its maker or an admin may change or delete it.` };
}

export function createSavedObjectsApi(deps: SavedObjectsApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  const audit = (c: Context<Env>, type: SavedObjectType, verb: string, resource: string, outcome: 'allowed' | 'denied' | 'failed', detail: Record<string, unknown>, message?: string): void => {
    const sourceIp = c.get('sourceIp');
    deps.audit?.record({ timeMs: deps.now(), actor: c.get('principal'), ...(sourceIp ? { sourceIp } : {}), requestId: c.get('requestId'), action: `${ACTION_PREFIX[type]}:${verb}`, resource, outcome, ...(message ? { message } : {}), detail });
  };
  const failure = (c: Context<Env>, e: SavedObjectError) => c.json({ error: { kind: e.code, message: e.message } }, STATUS[e.code]);
  // An own key only: `__proto__` or `constructor` is not a kind.
  const typeOf = (c: Context<Env>): SavedObjectType | undefined => {
    const kind = c.req.param('kind') ?? '';
    return Object.hasOwn(PATHS, kind) ? PATHS[kind] : undefined;
  };
  const body = async (c: Context<Env>): Promise<Record<string, unknown> | undefined> => {
    try {
      const parsed: unknown = await c.req.json();
      return isPlainObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  };
  const noKind = (c: Context<Env>) => c.json({ error: { kind: 'not_found', message: 'Saved objects are under /api/saved/searches and /api/saved/queries.' } }, 404);
  const badId = (c: Context<Env>) => c.json({ error: { kind: 'request', message: 'A saved object id is the id a list or a create answered.' } }, 400);

  api.get('/saved/:kind', (c) => {
    const type = typeOf(c);
    if (!type) return noKind(c);
    const key = type === 'search' ? 'saved_searches' : 'saved_queries';
    return c.json({ [key]: deps.store.list(type).map(savedObjectJson) });
  });

  api.get('/saved/:kind/:id', (c) => {
    const type = typeOf(c);
    if (!type) return noKind(c);
    const found = deps.store.get(type, c.req.param('id'));
    return found ? c.json(savedObjectJson(found)) : failure(c, { code: 'not_found', message: `There is no saved ${type} with id ${c.req.param('id')}.` });
  });

  api.post('/saved/:kind', async (c) => {
    const type = typeOf(c);
    if (!type) return noKind(c);
    const input = await body(c);
    if (!input) return c.json({ error: { kind: 'request', message: 'The body is a JSON object: {"name": "Brute force", "query": "rule.level:>=10", "filters": []}.' } }, 400);
    const name = parseSavedName(input['name']);
    if (!name.ok) return failure(c, name.error);
    const view = parseSavedView(type, input, deps.now());
    if (!view.ok) return failure(c, view.error);
    const created = await deps.store.create(type, name.value, view.value, ownerOf(c.get('principal')));
    if (!created.ok) {
      audit(c, type, 'Create', name.value, 'failed', { name: name.value }, created.error.message);
      return failure(c, created.error);
    }
    audit(c, type, 'Create', created.value.id, 'allowed', { name: created.value.name });
    return c.json(savedObjectJson(created.value), 201);
  });

  /** A rename (`name` only), a new view (the view's fields), or both. */
  api.patch('/saved/:kind/:id', async (c) => {
    const type = typeOf(c);
    if (!type) return noKind(c);
    const id = c.req.param('id');
    if (id.length > MAX_ID) return badId(c);
    const input = await body(c);
    if (!input) return c.json({ error: { kind: 'request', message: 'The body is a JSON object: {"name": "a new name"} to rename, or the view\'s fields to replace it.' } }, 400);
    const change: { name?: string; view?: (current: SavedView) => Result<SavedView, SavedObjectError> } = {};
    if (input['name'] !== undefined) {
      const name = parseSavedName(input['name']);
      if (!name.ok) return failure(c, name.error);
      change.name = name.value;
    }
    // A field not sent keeps its stored value (a rename sends the name only).
    const sent = VIEW_FIELDS.filter((k) => input[k] !== undefined);
    if (sent.length > 0) change.view = (current) => parseSavedView(type, { ...current, ...Object.fromEntries(sent.map((k) => [k, input[k]])) }, deps.now());
    if (change.name === undefined && !change.view) return c.json({ error: { kind: 'request', message: 'Nothing to change: send a name, or the view (query, filters, and for a search columns, sort, time).' } }, 400);
    const principal = c.get('principal');
    const updated = await deps.store.update(type, id, change, ownerOf(principal), (current) => mayChange(principal, current));
    const verb = change.view ? 'Update' : 'Rename';
    if (!updated.ok) {
      if (updated.error.code !== 'not_found' && updated.error.code !== 'invalid') audit(c, type, verb, id, updated.error.code === 'forbidden' ? 'denied' : 'failed', change.name ? { name: change.name } : {}, updated.error.message);
      return failure(c, updated.error);
    }
    audit(c, type, verb, id, 'allowed', { name: updated.value.name });
    return c.json(savedObjectJson(updated.value));
  });

  api.delete('/saved/:kind/:id', async (c) => {
    const type = typeOf(c);
    if (!type) return noKind(c);
    const id = c.req.param('id');
    if (id.length > MAX_ID) return badId(c);
    const principal = c.get('principal');
    const removed = await deps.store.remove(type, id, (current) => mayChange(principal, current));
    if (!removed.ok) {
      audit(c, type, 'Delete', id, removed.error.code === 'forbidden' ? 'denied' : 'failed', {}, removed.error.message);
      return failure(c, removed.error);
    }
    audit(c, type, 'Delete', id, 'allowed', { name: removed.value.name });
    return c.json({ deleted: id });
  });

  return api;
}
