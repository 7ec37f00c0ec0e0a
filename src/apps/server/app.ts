/**
 * @module The server's HTTP app: the trusted-network check before anything else, the CloudWatch
 * Logs API at `POST /`, `/healthz`, the login link, and — behind a token or a session — the query
 * API, `/metrics` and the web UI's data. Stores and queues come in as arguments; nothing here
 * reads the environment.
 */
import { randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { sameSecret, SESSION_COOKIE, sessionFromCookie, type Sessions, type TrustedNetworks } from '../../api/access.js';
import { errorResponse, type CloudWatchLogsError } from '../../api/cloudwatch-logs/errors.js';
import type { CloudWatchLogsRequest, CloudWatchLogsResponse } from '../../api/cloudwatch-logs/handle-cloudwatch-logs.js';
import { checkDeclaredLength, maxRawBodyBytes, tooLarge } from '../../api/cloudwatch-logs/limits.js';
import { OPENAPI_DOCUMENT } from '../../api/openapi.js';
import { createQueryApi, type QueryApiDeps } from '../../api/query/query-api.js';
import type { ServerMetrics } from '../../telemetry/metrics.js';
import type { Health } from './health.js';

export type CloudWatchHandler = (request: CloudWatchLogsRequest) => Promise<CloudWatchLogsResponse>;

export interface AppDeps extends QueryApiDeps {
  cloudWatch: CloudWatchHandler;
  trusted: TrustedNetworks;
  sessions: Sessions;
  apiTokens: readonly string[];
  metrics: ServerMetrics;
  /** How the pipeline is doing, for /healthz (default: always ok). */
  health?: () => Promise<Health>;
  /** Told of every request answered 500, with the request id the answer carries (the server logs it). */
  onInternalError?: (error: unknown, requestId: string, request: { method: string; path: string }) => void;
  /** The largest request body under `/api`, in bytes (default 1 MiB). */
  maxApiBodyBytes?: number;
  /** The web UI's files (HTML, JS, CSS); absent before the UI is built. */
  ui?: (path: string) => Promise<{ body: Uint8Array | string; type: string; headers?: Record<string, string> } | undefined>;
}

/** OpenSearch-like default for query API bodies. */
export const DEFAULT_MAX_API_BODY_BYTES = 1024 * 1024;

type Env = { Bindings: HttpBindings; Variables: { requestId: string } };

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The request body's stream failed because the client closed the connection. */
function isClientAbort(error: unknown): boolean {
  return error instanceof Error && ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || error.message === 'aborted');
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

  // 3. The one-time login link, like Jupyter's: it becomes an HttpOnly, SameSite=Strict session cookie.
  app.get('/login', (c) => {
    const token = c.req.query('token') ?? '';
    const session = deps.sessions.redeem(token) ?? (deps.apiTokens.some((t) => sameSecret(t, token)) ? deps.sessions.create() : undefined);
    if (!session) {
      return page(
        'This login link does not work',
        'A login link works once. Open the link the server printed when it started, or /login?token=<your API token>; restarting the server prints a new link.',
        401,
      );
    }
    const next = c.req.query('next');
    const location = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
    return new Response(null, {
      status: 302,
      headers: { Location: location, 'Set-Cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(deps.sessions.ttlMs / 1000)}` },
    });
  });

  // 4. Everything with data needs a bearer token or a session.
  const authenticated: MiddlewareHandler<Env> = async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const byToken = bearer !== undefined && deps.apiTokens.some((t) => sameSecret(t, bearer));
    const session = sessionFromCookie(c.req.header('cookie'));
    if (!byToken && !deps.sessions.valid(session)) {
      deps.metrics.rejected.inc(1, { reason: 'unauthenticated' });
      return c.json({ error: { kind: 'unauthenticated', message: 'Send Authorization: Bearer <API token>, or sign in with the login link the server printed.' } }, 401, { 'WWW-Authenticate': 'Bearer realm="hidsmon"' });
    }
    // A cookie alone must not let another site write: such requests must be JSON, which a form cannot send.
    if (!byToken && c.req.method !== 'GET' && !(c.req.header('content-type') ?? '').startsWith('application/json')) {
      return c.json({ error: { kind: 'request', message: 'Send requests with Content-Type: application/json.' } }, 415);
    }
    await next();
  };
  // Query API bodies are small JSON; a cap keeps one request from holding the server's memory.
  const maxApiBody = deps.maxApiBodyBytes ?? DEFAULT_MAX_API_BODY_BYTES;
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: maxApiBody,
      onError: (c) => {
        deps.metrics.rejected.inc(1, { reason: 'body_too_large' });
        return c.json({ error: { kind: 'request_too_large', message: `The request body is over ${maxApiBody} bytes (limits.max_request_body_bytes). Send a smaller query, or raise the limit in hidsmon.yaml.` } }, 413);
      },
    }),
  );
  app.use('/api/*', authenticated);
  app.use('/metrics', authenticated);

  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.render(), 200, { 'Content-Type': deps.metrics.registry.contentType }));
  app.get('/api/openapi.json', (c) => c.json(OPENAPI_DOCUMENT));
  app.get('/api/session', (c) => c.json({ authenticated: true }));
  app.post('/api/logout', (c) => {
    const session = sessionFromCookie(c.req.header('cookie'));
    if (session) deps.sessions.end(session);
    return c.json({ signed_out: true }, 200, { 'Set-Cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
  });
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
