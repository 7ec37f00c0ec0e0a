/**
 * @module `/api/detections` (list and search newest first, get one, acknowledge or close),
 * `/api/notifications` (the log of notification attempts) and `/api/rules` (list, validate, add,
 * delete, where the server has a rule catalog). Who may do what is the route table's
 * (api/authorization.ts): viewers read, admins change. Every change, allowed or failed, is audited.
 */
import { Hono, type Context } from 'hono';
import type { AuditRecorder } from '../../core/audit.js';
import { detectionJson } from '../../core/detection-json.js';
import type { DetectionQuery, DetectionStatus, DetectionStore } from '../../core/detection.js';
import { isPlainObject } from '../../core/paths.js';
import type { Principal } from '../../core/principal.js';
import type { DispatcherStats, NotificationAttempt } from '../../notify/dispatcher.js';
import type { DetectionListJson, NotificationAttemptJson, NotificationsJson, RuleProblemJson } from '../contract.js';

/** What the server knows of its rules, where it has any (the rule engine's catalog implements it). */
export interface RuleCatalog {
  /** Every rule, as its plain object (the YAML's names), and where it comes from. */
  /** `engine_error`: why the engine disabled the rule (the error it threw), until it is changed. */
  list(): Promise<Array<{ rule: Record<string, unknown>; source: string; editable: boolean; engine_error?: string }>>;
  /** Checks YAML or JSON text of one rule; problems with their 1-based line and column. */
  validate(text: string): { ok: true; rule: Record<string, unknown> } | { ok: false; problems: RuleProblemJson[] };
  add(text: string): Promise<{ ok: true; rule: Record<string, unknown> } | { ok: false; status: 400 | 409; problems: RuleProblemJson[] }>;
  remove(id: string): Promise<'deleted' | 'not_found' | 'read_only'>;
}

/** Defined once in the contract, for the server and the UI. */
export type { RuleProblemJson };

export interface NotificationsView {
  attempts(limit?: number): NotificationAttempt[];
  stats(): DispatcherStats;
}

export interface DetectionsApiDeps {
  store: DetectionStore;
  now: () => number;
  audit?: AuditRecorder;
  notifications?: NotificationsView;
  rules?: RuleCatalog;
}

type Env = { Variables: { principal: Principal; sourceIp: string | undefined; requestId: string } };

const STATUSES: readonly DetectionStatus[] = ['open', 'acknowledged', 'closed'];
export const DEFAULT_DETECTION_PAGE = 50;
export const MAX_DETECTION_PAGE = 1000;
/** Ids are hashes or rule-derived names; longer never came from the engine. */
const MAX_ID = 512;
const MAX_TEXT = 1024;
/** A rule's YAML text; far above any sane rule, far below the body limit. */
const MAX_RULE_TEXT = 64 * 1024;

function requestError(message: string) {
  return { error: { kind: 'request', message } };
}

/** The query string → a DetectionQuery, or the first thing wrong with it. */
export function parseDetectionQuery(params: URLSearchParams): { ok: true; value: DetectionQuery } | { ok: false; message: string } {
  for (const key of params.keys()) if (!['status', 'rule', 'q', 'from', 'to', 'limit', 'cursor'].includes(key)) return { ok: false, message: `Unknown parameter "${key.slice(0, 64)}"; the parameters are status, rule, q, from, to, limit and cursor.` };
  const query: DetectionQuery = { limit: DEFAULT_DETECTION_PAGE };
  const status = params.get('status');
  if (status !== null && status !== '') {
    const list = status.split(',').map((s) => s.trim());
    const bad = list.find((s) => !STATUSES.includes(s as DetectionStatus));
    if (bad !== undefined) return { ok: false, message: `status: ${JSON.stringify(bad.slice(0, 64))} is not a status; use open, acknowledged or closed (comma-separated).` };
    query.status = [...new Set(list)] as DetectionStatus[];
  }
  const rule = params.get('rule');
  if (rule) query.ruleId = rule.slice(0, MAX_ID);
  const text = params.get('q');
  if (text) {
    if (text.length > MAX_TEXT) return { ok: false, message: `q: at most ${MAX_TEXT} characters.` };
    query.text = text;
  }
  for (const bound of ['from', 'to'] as const) {
    const value = params.get(bound);
    if (!value) continue;
    if (Number.isNaN(Date.parse(value))) return { ok: false, message: `${bound}: an ISO 8601 time such as 2026-12-01T12:00:00Z.` };
    query[bound] = new Date(Date.parse(value)).toISOString();
  }
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_DETECTION_PAGE) return { ok: false, message: `limit: a whole number from 1 to ${MAX_DETECTION_PAGE}.` };
    query.limit = Number(limit);
  }
  const cursor = params.get('cursor');
  if (cursor) query.cursor = cursor.slice(0, 4096);
  return { ok: true, value: query };
}

function attemptJson(a: NotificationAttempt): NotificationAttemptJson {
  return {
    time_ms: a.timeMs,
    channel: a.channel,
    channel_kind: a.channelKind,
    detection_id: a.detectionId,
    rule_id: a.ruleId,
    attempt: a.attempt,
    result: a.result,
    ...(a.error !== undefined ? { error: a.error } : {}),
    ...(a.delayMs !== undefined ? { delay_ms: a.delayMs } : {}),
    ...(a.durationMs !== undefined ? { duration_ms: a.durationMs } : {}),
  };
}

/** The store refuses a bad cursor or bound with this code (src/detect/detection-store.ts). */
function isQueryError(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: unknown }).code === 'InvalidDetectionQuery';
}

export function createDetectionsApi(deps: DetectionsApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  const audit = (c: Context<Env>, action: string, resource: string, outcome: 'allowed' | 'failed', detail: Record<string, unknown>, message?: string): void => {
    const sourceIp = c.get('sourceIp');
    deps.audit?.record({ timeMs: deps.now(), actor: c.get('principal'), ...(sourceIp ? { sourceIp } : {}), requestId: c.get('requestId'), action, resource, outcome, ...(message ? { message } : {}), detail });
  };

  api.get('/detections', async (c) => {
    const parsed = parseDetectionQuery(new URL(c.req.url).searchParams);
    if (!parsed.ok) return c.json(requestError(parsed.message), 400);
    try {
      const page = await deps.store.list(parsed.value);
      return c.json<DetectionListJson>({ detections: page.detections.map(detectionJson), total: page.total, next: page.next ?? null });
    } catch (e) {
      if (isQueryError(e)) return c.json(requestError(e.message), 400);
      throw e;
    }
  });

  api.get('/detections/:id', async (c) => {
    const id = c.req.param('id');
    const detection = id.length <= MAX_ID ? await deps.store.get(id) : undefined;
    if (!detection) return c.json({ error: { kind: 'not_found', message: 'No detection has this id.' } }, 404);
    return c.json(detectionJson(detection));
  });

  // {"status": "acknowledged" | "closed" | "open"}: open again is allowed, so that a mistaken close can be undone.
  api.post('/detections/:id/status', async (c) => {
    const id = c.req.param('id');
    const body: unknown = await c.req.json().catch(() => undefined);
    const status = isPlainObject(body) ? body['status'] : undefined;
    if (typeof status !== 'string' || !STATUSES.includes(status as DetectionStatus)) return c.json(requestError('The body is {"status": "acknowledged"}, {"status": "closed"} or {"status": "open"}.'), 400);
    const principal = c.get('principal');
    const actor = principal.kind === 'session' ? `session:${principal.tokenId}` : `${principal.kind}:${principal.id}`;
    const before = id.length <= MAX_ID ? await deps.store.get(id) : undefined;
    const updated = before ? await deps.store.setStatus(id, status as DetectionStatus, actor) : undefined;
    if (!updated) {
      audit(c, 'detections:SetStatus', id.slice(0, MAX_ID), 'failed', { status }, 'No detection has this id.');
      return c.json({ error: { kind: 'not_found', message: 'No detection has this id.' } }, 404);
    }
    audit(c, 'detections:SetStatus', id, 'allowed', { status, previous: before!.status, rule: updated.rule.id });
    return c.json(detectionJson(updated));
  });

  api.get('/notifications', (c) => {
    if (!deps.notifications) return c.json<NotificationsJson>({ configured: false, attempts: [], stats: { sent: 0, failed: 0, retried: 0, suppressed: 0, dropped: 0, queued: 0 } });
    const limit = Number(c.req.query('limit') ?? 200);
    const n = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 200;
    return c.json<NotificationsJson>({ configured: true, attempts: deps.notifications.attempts(n).map(attemptJson), stats: deps.notifications.stats() });
  });

  const rules = deps.rules;
  if (rules) {
    const ruleText = async (c: Context<Env>): Promise<string | undefined> => {
      const body: unknown = await c.req.json().catch(() => undefined);
      if (isPlainObject(body) && typeof body['yaml'] === 'string' && body['yaml'].length <= MAX_RULE_TEXT) return body['yaml'];
      if (isPlainObject(body) && isPlainObject(body['rule'])) return JSON.stringify(body['rule']);
      return undefined;
    };
    const shape = `The body is {"yaml": "<one rule as YAML, at most ${MAX_RULE_TEXT} characters>"} or {"rule": {...}}.`;
    api.get('/rules', async (c) => c.json({ rules: await rules.list() }));
    api.post('/rules/validate', async (c) => {
      const text = await ruleText(c);
      if (text === undefined) return c.json(requestError(shape), 400);
      const checked = rules.validate(text);
      return c.json(checked.ok ? { valid: true, rule: checked.rule } : { valid: false, problems: checked.problems });
    });
    api.post('/rules', async (c) => {
      const text = await ruleText(c);
      if (text === undefined) return c.json(requestError(shape), 400);
      const added = await rules.add(text);
      if (!added.ok) {
        audit(c, 'rules:Add', '-', 'failed', { problems: added.problems.length }, added.problems[0]?.message);
        return c.json({ error: { kind: added.status === 409 ? 'conflict' : 'invalid_rule', message: added.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; '), problems: added.problems } }, added.status);
      }
      audit(c, 'rules:Add', String(added.rule['id']), 'allowed', { kind: (added.rule['condition'] as { kind?: unknown } | undefined)?.kind ?? null });
      return c.json({ rule: added.rule }, 201);
    });
    api.delete('/rules/:id', async (c) => {
      const id = c.req.param('id').slice(0, MAX_ID);
      const removed = await rules.remove(id);
      if (removed !== 'deleted') {
        audit(c, 'rules:Delete', id, 'failed', {}, removed === 'read_only' ? 'A built-in or file rule cannot be deleted through the API.' : 'No such rule.');
        return removed === 'read_only'
          ? c.json({ error: { kind: 'conflict', message: 'This rule is built in or comes from a file under the data directory; disable or remove it there.' } }, 409)
          : c.json({ error: { kind: 'not_found', message: 'No rule has this id.' } }, 404);
      }
      audit(c, 'rules:Delete', id, 'allowed', {});
      return c.json({ deleted: id });
    });
  }
  return api;
}
