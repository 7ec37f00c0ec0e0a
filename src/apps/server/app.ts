/**
 * @module The server's HTTP app: the trusted-network check before anything else, the CloudWatch
 * Logs API at `POST /`, `/healthz`, sign-in (one-time links; the token form's POST), and — behind a
 * token or a session, and the role each route needs — the query API, `/metrics` and the web UI's data. Stores and queues come in as arguments; nothing here
 * reads the environment.
 */
import { randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { SESSION_COOKIE, sessionFromCookie, type SessionGrant, type Sessions, type TrustedNetworks } from '../../api/access.js';
import { authorize } from '../../api/authorization.js';
import { safeRedirectPath } from '../../api/safe-redirect.js';
import type { AuditEntry } from '../../core/audit.js';
import type { Principal, QueryRole } from '../../core/principal.js';
import { errorResponse, type CloudWatchLogsError } from '../../api/cloudwatch-logs/errors.js';
import type { CloudWatchLogsRequest, CloudWatchLogsResponse } from '../../api/cloudwatch-logs/handle-cloudwatch-logs.js';
import { checkDeclaredLength, maxRawBodyBytes, tooLarge } from '../../api/cloudwatch-logs/limits.js';
import { OPENAPI_DOCUMENT } from '../../api/openapi.js';
import { createQueryApi, type QueryApiDeps } from '../../api/query/query-api.js';
import { createAuditApi, type AuditLogReader } from '../../audit/audit-api.js';
import { createDetectionsApi, type DetectionsApiDeps } from '../../api/detections/detections-api.js';
import type { SessionInfo } from '../../api/contract.js';
import { createSavedObjectsApi } from '../../api/saved/saved-objects-api.js';
import type { SavedObjectStore } from '../../saved/saved-object-store.js';
import { classifyError } from '../../pipeline/retry.js';
import type { ServerMetrics } from '../../telemetry/metrics.js';
import type { Health } from './health.js';

export type CloudWatchHandler = (request: CloudWatchLogsRequest) => Promise<CloudWatchLogsResponse>;

export interface AppDeps extends QueryApiDeps {
  cloudWatch: CloudWatchHandler;
  trusted: TrustedNetworks;
  sessions: Sessions;
  /** Served over TLS: the session cookie is `Secure` and answers carry HSTS. */
  secure?: boolean;
  /** Who a long-lived API token's secret belongs to (an `api-token` principal with its role), or undefined. */
  authenticateToken: (secret: string) => Principal | undefined;
  metrics: ServerMetrics;
  /** How the pipeline is doing, for /healthz (default: always ok). */
  health?: () => Promise<Health>;
  /** Told of every query API request answered 503 because the index is unavailable (an OpenSearch node down). */
  onUnavailable?: (error: Error, requestId: string, request: { method: string; path: string }) => void;
  /** Told of every request answered 500, with the request id the answer carries (the server logs it). */
  onInternalError?: (error: unknown, requestId: string, request: { method: string; path: string }) => void;
  /** The largest request body under `/api`, in bytes (default 1 MiB). */
  maxApiBodyBytes?: number;
  /** The audit log, for `GET /api/audit` (absent: the route answers 404). */
  auditLog?: AuditLogReader;
  /** Detections, their notifications and rules, for `/api/detections`, `/api/notifications`, `/api/rules` (absent: 404). */
  detections?: Omit<DetectionsApiDeps, 'now' | 'audit'>;
  /** Saved searches and queries, for `/api/saved/*` (absent: those routes answer 404). */
  savedObjects?: SavedObjectStore;
  /** The web UI's files (HTML, JS, CSS); absent before the UI is built. */
  ui?: (path: string) => Promise<{ body: Uint8Array | string; type: string; headers?: Record<string, string> } | undefined>;
}

/** OpenSearch-like default for query API bodies. */
export const DEFAULT_MAX_API_BODY_BYTES = 1024 * 1024;

type Env = { Bindings: HttpBindings; Variables: { requestId: string; principal: Principal; sourceIp: string | undefined } };

type TokenPrincipal = Extract<Principal, { kind: 'api-token' }>;

/** The largest sign-in body: a token and a view path. */
const MAX_LOGIN_BODY_BYTES = 16 * 1024;

/**
 * The session cookie, made here only. HttpOnly: no script reads it; SameSite=Strict: no other
 * site's request carries it (what keeps cookie-authenticated writes and the sign-in form safe).
 */
/** `secure` (under TLS): the browser sends the cookie over HTTPS only, so plain HTTP never carries a session. */
function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/**
 * HSTS, sent on every answer under TLS. Not to `localhost`: HSTS holds for a host name on every
 * port, so it would turn a developer's other http://localhost services into HTTPS ones.
 * (Browsers ignore it on IP addresses and on connections with certificate errors anyway.)
 */
const HSTS = 'max-age=31536000';

function isLocalhostName(hostHeader: string | undefined): boolean {
  const name = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Whether a browser says this request came from another site: Sec-Fetch-Site where it is sent
 * (this server's `Referrer-Policy: no-referrer` makes Chromium send `Origin: null` even for its own
 * forms), else Origin. Then Hono's CSRF check for form posts, which refuses a form that has neither.
 */
const sameOriginForm = csrf();
async function isCrossSite(c: Context<Env>): Promise<boolean> {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  if (site !== undefined ? site !== 'same-origin' : origin !== undefined && origin !== new URL(c.req.url).origin) return true;
  return sameOriginForm(c, async () => undefined).then(
    () => false,
    (e: unknown) => {
      if (e instanceof HTTPException) return true;
      throw e;
    },
  );
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The request body's stream failed because the client closed the connection. */
function isClientAbort(error: unknown): boolean {
  // 'Client connection prematurely closed.': @hono/node-server's direct read of a body (the CloudWatch Logs route's).
  return error instanceof Error && ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || error.message === 'aborted' || error.message === 'Client connection prematurely closed.');
}

function remoteAddress(c: Context<Env>): string | undefined {
  return c.env?.incoming?.socket?.remoteAddress;
}

function requestHeaders(c: Context<Env>): Record<string, string | undefined> {
  // Null-prototype: a header named `__proto__` is a header like any other.
  const headers: Record<string, string | undefined> = Object.create(null);
  c.req.raw.headers.forEach((value, name) => (headers[name] = value));
  return headers;
}

/**
 * A body limit judged from the headers where they decide it, without touching the body: Node's
 * parser delivers exactly Content-Length bytes (or fails the request), and a request with neither
 * Content-Length nor Transfer-Encoding has no body. Only a chunked body is counted as it streams
 * (hono's bodyLimit). Why not bodyLimit for all: it reads `c.req.raw.body` first, and on
 * @hono/node-server that alone builds a web Request (AbortController, ReadableStream) for every
 * API request, GETs included, and routes the JSON through it, instead of the direct read.
 */
function declaredBodyLimit(maxSize: number, onError: (c: Context<Env>) => Response | Promise<Response>): MiddlewareHandler<Env> {
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    if (c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    const declared = c.req.header('content-length');
    if (declared === undefined) return next();
    // Node refuses a Content-Length that is not a number before the app sees it.
    return Number(declared) > maxSize ? onError(c) : next();
  };
}

function cloudWatchError(status: number, type: string, message: string, requestId: string): Response {
  return new Response(JSON.stringify({ __type: type, message }), {
    status,
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': type },
  });
}

function page(title: string, text: string, status: number): Response {
  const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hidsmon: ${escape(title)}</title></head>` +
      `<body style="font:14px system-ui,sans-serif;max-width:40em;margin:4em auto;color:#1f2937"><h1 style="font-size:20px">${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
    { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS } },
  );
}

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();

  if (deps.secure) {
    app.use('*', async (c, next) => {
      await next();
      if (!isLocalhostName(c.req.header('host'))) c.res.headers.set('Strict-Transport-Security', HSTS);
    });
  }

  // 1. The trusted network, before anything else; a refused peer is told its address and why.
  app.use('*', async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    const address = remoteAddress(c);
    if (!deps.trusted.allows(address)) {
      deps.metrics.rejected.inc(1, { reason: 'untrusted_network' });
      if (c.req.method === 'POST' && c.req.path === '/' && c.req.header('x-amz-target')) {
        return cloudWatchError(400, 'AccessDeniedException', deps.trusted.refusal(address), requestId);
      }
      if (c.req.path.startsWith('/api/') || c.req.path === '/metrics') {
        return c.json({ error: { kind: 'forbidden', message: deps.trusted.refusal(address) } }, 403);
      }
      return page('Address not trusted', deps.trusted.refusal(address), 403);
    }
    await next();
    const api = c.req.path === '/' && c.req.method === 'POST' ? 'cloudwatch' : c.req.path.startsWith('/api/') ? 'query' : 'other';
    deps.metrics.requests.inc(1, { api, status: `${String(c.res.status)[0]}xx` });
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? randomUUID();
    // The index (an OpenSearch cluster) cannot answer now: not a bug, and the client may retry.
    const unavailable = c.req.path.startsWith('/api/') ? classifyError(error) : undefined;
    if (unavailable) {
      deps.onUnavailable?.(unavailable.error, requestId, { method: c.req.method, path: c.req.path });
      return c.json({ error: { kind: 'unavailable', request_id: requestId, message: `The index cannot answer now; retry shortly. ${unavailable.error.message}` } }, 503, { 'Retry-After': '5' });
    }
    // Every 500 is a bug: it is logged with the id the client is shown, so the two can be matched.
    // A client that hung up mid-body is not one (and will never see the answer).
    if (!isClientAbort(error)) deps.onInternalError?.(error, requestId, { method: c.req.method, path: c.req.path });
    if (c.req.method === 'POST' && c.req.path === '/') return cloudWatchError(500, 'ServiceUnavailableException', 'The server could not handle the request; it keeps serving. Retry.', requestId);
    return c.json({ error: { kind: 'internal', request_id: requestId, message: `Internal error (request ${requestId}); the server keeps serving.` } }, 500);
  });

  // 2. The CloudWatch Logs API. SigV4 is checked by the handler over the raw body.
  // The raw-body ceiling admits any valid batch (limits.ts); the handler then judges PutLogEvents
  // by its counted size, as AWS does. Content-Length is checked before a byte is read.
  app.post(
    '/',
    async (c, next) => {
      const headers = requestHeaders(c);
      const refuse = (error: CloudWatchLogsError): Response => {
        deps.metrics.rejected.inc(1, { reason: 'body_too_large' });
        const response = errorResponse(error, c.get('requestId'), Date.now());
        return new Response(response.body, { status: response.status, headers: { ...response.headers, connection: 'close' } });
      };
      const declared = checkDeclaredLength(headers);
      if (declared) return refuse(declared);
      // A Content-Length within the limit (just checked) is all Node reads of a body: bodyLimit would
      // only check it again, and touching the body stream as it does turns @hono/node-server's direct
      // read of the request into a web stream (undici's reading of it was ~6% of the server's CPU in a
      // profile of PutLogEvents at full speed, bench/agent.bench.ts).
      if (headers['content-length'] !== undefined && headers['transfer-encoding'] === undefined) return next();
      const limit = maxRawBodyBytes(headers);
      return bodyLimit({ maxSize: limit, onError: () => refuse(tooLarge(undefined, limit)) })(c, next);
    },
    async (c) => {
      const headers = requestHeaders(c);
      const url = new URL(c.req.url);
      const address = remoteAddress(c);
      const response = await deps.cloudWatch({ method: 'POST', path: url.pathname, query: url.search.slice(1), headers, body: Buffer.from(await c.req.arrayBuffer()), ...(address ? { remoteAddress: address } : {}) });
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  );

  // Needs no credentials (probes have none): it says how the pipeline is doing, not what it holds.
  // Degraded answers 200 too: see health.ts for why.
  app.get('/healthz', async (c) => c.json(deps.health ? await deps.health() : { status: 'ok' }));

  const tokenPrincipal = (secret: string): TokenPrincipal | undefined => {
    const principal = secret ? deps.authenticateToken(secret) : undefined;
    return principal?.kind === 'api-token' ? principal : undefined;
  };
  const audit = (c: Context<Env>, entry: Omit<AuditEntry, 'timeMs' | 'sourceIp' | 'requestId'>): void => {
    const address = remoteAddress(c);
    deps.audit?.record({ timeMs: deps.now(), ...(address ? { sourceIp: address } : {}), requestId: c.get('requestId'), ...entry });
  };
  const anonymous: Principal = { kind: 'anonymous', id: '-' };
  const signIn = (c: Context<Env>, session: ReturnType<Sessions['create']>, via: string, actor: Principal): string => {
    audit(c, { actor, action: 'session:Login', resource: session.principal.id, outcome: 'allowed', detail: { via, role: session.principal.role } });
    return sessionCookie(session.cookie, Math.floor(deps.sessions.ttlMs / 1000), deps.secure === true);
  };

  // 3. Signing in. A URL ends up in history, proxy logs and Referer headers, so only one-time
  // login links (like Jupyter's) go in one; an API token is sent by the sign-in form's POST.
  app.get('/login', (c) => {
    const token = c.req.query('token') ?? '';
    const session = token ? deps.sessions.redeem(token) : undefined;
    if (!session) {
      const longLived = tokenPrincipal(token);
      audit(c, { actor: longLived ?? anonymous, action: 'session:Login', outcome: 'denied', message: longLived ? 'An API token was sent in a URL.' : 'An unknown, used or expired login link.', detail: { via: 'link' } });
      if (longLived) {
        return page(
          'API tokens do not go in URLs',
          'This is a long-lived API token, not a one-time login link, and it is refused in a URL (URLs are kept in browser history and logs). Sign in with the form on the sign-in page, which sends it in the request body; as it has now been in a URL, consider replacing it.',
          401,
        );
      }
      return page('This login link does not work', 'A login link works once. Open the link the server printed when it started, or sign in with an API token on the sign-in page; restarting the server prints a new link.', 401);
    }
    const cookie = signIn(c, session, 'link', session.principal);
    return new Response(null, { status: 302, headers: { Location: safeRedirectPath(c.req.query('next')), 'Set-Cookie': cookie } });
  });

  // The sign-in form (form-encoded) or a script (JSON): {token, next}. A cross-site form is
  // refused (Origin / Sec-Fetch-Site); a cross-site JSON post cannot be sent without CORS, which this server never grants.
  app.post(
    '/login',
    bodyLimit({ maxSize: MAX_LOGIN_BODY_BYTES, onError: () => page('Sign-in refused', `The sign-in request is over ${MAX_LOGIN_BODY_BYTES} bytes.`, 413) }),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      const isJson = type.startsWith('application/json');
      const refuse = (status: 400 | 401 | 403 | 415, title: string, message: string): Response =>
        isJson ? c.json({ error: { kind: status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'request', message } }, status) : page(title, message, status);
      if (await isCrossSite(c)) {
        audit(c, { actor: anonymous, action: 'session:Login', outcome: 'denied', message: 'A sign-in posted from another site.', detail: { via: 'form', origin: c.req.header('origin') ?? null } });
        return refuse(403, 'Sign-in refused', 'This sign-in was sent from another site. Sign in on the hidsmon sign-in page itself.');
      }
      let fields: Record<string, unknown>;
      if (isJson) {
        const body: unknown = await c.req.json().catch(() => undefined);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(400, 'Sign-in refused', 'The body must be a JSON object: {"token": "<API token>", "next": "/discover"}.');
        fields = body as Record<string, unknown>;
      } else if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        fields = await c.req.parseBody();
      } else {
        return refuse(415, 'Sign-in refused', 'Send the sign-in as a form (application/x-www-form-urlencoded) or as JSON.');
      }
      const token = typeof fields['token'] === 'string' ? fields['token'].trim() : '';
      const principal = tokenPrincipal(token);
      // A one-time token pasted into the form works as its link would.
      const session = principal ? deps.sessions.create({ role: principal.role, tokenId: principal.id }) : token ? deps.sessions.redeem(token) : undefined;
      if (!session) {
        audit(c, { actor: anonymous, action: 'session:Login', outcome: 'denied', message: 'An unknown API token.', detail: { via: 'form' } });
        return refuse(401, 'This API token does not work', 'The token is not one of this server\'s API tokens (see its configuration, or credentials.json in its data directory). Go back and try again.');
      }
      const cookie = signIn(c, session, 'form', principal ?? session.principal);
      const next = safeRedirectPath(fields['next']);
      if (isJson) return c.json({ signed_in: true, role: session.principal.role, next }, 200, { 'Set-Cookie': cookie });
      return new Response(null, { status: 303, headers: { Location: next, 'Set-Cookie': cookie } });
    },
  );

  // 4. Everything with data needs a bearer token or a session.
  // Then the route's role (authorization.ts): a viewer reads, an admin also changes.
  const authenticated: MiddlewareHandler<Env> = async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const byToken = bearer !== undefined ? tokenPrincipal(bearer) : undefined;
    // A wrong bearer token is refused even beside a good cookie: the caller meant the token.
    const principal = bearer !== undefined ? byToken : deps.sessions.principal(sessionFromCookie(c.req.header('cookie')));
    if (!principal) {
      deps.metrics.rejected.inc(1, { reason: 'unauthenticated' });
      return c.json({ error: { kind: 'unauthenticated', message: 'Send Authorization: Bearer <API token>, or sign in on the sign-in page or with the login link the server printed.' } }, 401, { 'WWW-Authenticate': 'Bearer realm="hidsmon"' });
    }
    // A cookie alone must not let another site write: such requests must be JSON, which a form cannot send.
    if (!byToken && c.req.method !== 'GET' && !(c.req.header('content-type') ?? '').startsWith('application/json')) {
      return c.json({ error: { kind: 'request', message: 'Send requests with Content-Type: application/json.' } }, 415);
    }
    c.set('principal', principal);
    c.set('sourceIp', remoteAddress(c));
    const decision = authorize(principal, c.req.method, c.req.path);
    if (decision.kind === 'denied') {
      deps.metrics.rejected.inc(1, { reason: 'forbidden' });
      if (decision.rule.action) audit(c, { actor: principal, action: decision.rule.action, resource: c.req.path, outcome: 'denied', message: decision.message });
      const role: QueryRole | null = principal.kind === 'api-token' || principal.kind === 'session' ? principal.role : null;
      return c.json({ error: { kind: 'forbidden', message: decision.message, required_role: decision.rule.role, role } }, 403);
    }
    await next();
  };
  // Query API bodies are small JSON; a cap keeps one request from holding the server's memory.
  const maxApiBody = deps.maxApiBodyBytes ?? DEFAULT_MAX_API_BODY_BYTES;
  app.use(
    '/api/*',
    declaredBodyLimit(maxApiBody, (c) => {
      deps.metrics.rejected.inc(1, { reason: 'body_too_large' });
      return c.json({ error: { kind: 'request_too_large', message: `The request body is over ${maxApiBody} bytes (limits.max_request_body_bytes). Send a smaller query, or raise the limit in hidsmon.yaml.` } }, 413);
    }),
  );
  app.use('/api/*', authenticated);
  app.use('/metrics', authenticated);

  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.render(), 200, { 'Content-Type': deps.metrics.registry.contentType }));
  app.get('/api/openapi.json', (c) => c.json(OPENAPI_DOCUMENT));
  app.get('/api/session', (c) => {
    const principal = c.get('principal') as TokenPrincipal | Extract<Principal, { kind: 'session' }>;
    return c.json<SessionInfo>({ authenticated: true, role: principal.role, principal: { kind: principal.kind, id: principal.id } });
  });
  // A one-time login link for a browser, with the caller's role or a lesser one ({"role": "viewer"}).
  app.post('/api/login-link', async (c) => {
    const principal = c.get('principal') as TokenPrincipal | Extract<Principal, { kind: 'session' }>;
    const body: unknown = await c.req.json().catch(() => ({}));
    const asked = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['role'] : undefined;
    if (asked !== undefined && asked !== 'viewer' && asked !== 'admin') return c.json({ error: { kind: 'request', message: 'role is "viewer" or "admin".' } }, 400);
    const role: QueryRole = asked ?? principal.role;
    if (role === 'admin' && principal.role !== 'admin') return c.json({ error: { kind: 'forbidden', message: 'A viewer cannot make an admin login link.', required_role: 'admin', role: principal.role } }, 403);
    const grant: SessionGrant = { role, tokenId: principal.kind === 'session' ? principal.tokenId : principal.id };
    const validMs = 15 * 60_000;
    const token = deps.sessions.issueLoginToken(grant, validMs);
    audit(c, { actor: principal, action: 'session:IssueLoginLink', outcome: 'allowed', detail: { role } });
    return c.json({ url: `${new URL(c.req.url).origin}/login?token=${token}`, role, expires_at: deps.now() + validMs });
  });
  app.post('/api/logout', (c) => {
    const session = sessionFromCookie(c.req.header('cookie'));
    if (session) deps.sessions.end(session);
    audit(c, { actor: c.get('principal'), action: 'session:Logout', outcome: 'allowed' });
    return c.json({ signed_out: true }, 200, { 'Set-Cookie': sessionCookie('', 0, deps.secure === true) });
  });
  if (deps.auditLog) app.route('/api', createAuditApi({ auditLog: deps.auditLog, now: deps.now }));
  if (deps.savedObjects) app.route('/api', createSavedObjectsApi({ store: deps.savedObjects, now: deps.now, ...(deps.audit ? { audit: deps.audit } : {}) }));
  if (deps.detections) app.route('/api', createDetectionsApi({ ...deps.detections, now: deps.now, ...(deps.audit ? { audit: deps.audit } : {}) }));
  app.route('/api', createQueryApi(deps));
  app.all('/api/*', (c) => c.json({ error: { kind: 'not_found', message: `No such API route: ${c.req.method} ${c.req.path}. See /api/openapi.json.` } }, 404));

  // 5. The web UI. Its files hold no data; the data comes from the API with the session.
  app.get('*', async (c) => {
    const file = deps.ui ? await deps.ui(c.req.path) : undefined;
    if (!file) return page('hidsmon', 'The server is running. The web UI is not built into this copy; the query API is at /api (see /api/openapi.json).', deps.ui ? 404 : 200);
    return new Response(file.body, { headers: { ...file.headers, 'Content-Type': file.type, ...SECURITY_HEADERS } });
  });

  return app;
}
