/**
 * A loopback stand-in for OpenSearch Dashboards' saved objects import route (OpenSearch Dashboards
 * itself is not available on this machine), checking a request as the real route does
 * (src/core/server/saved_objects/routes/import.ts and import/*.ts of OpenSearch-Dashboards 2.x):
 * the osd-xsrf header, multipart/form-data with a field `file` named *.ndjson, the `overwrite` and
 * `createNewCopies` query flags, blank and export-summary lines skipped, conflicts with existing
 * objects, and index-pattern/search references that must resolve in the file or among existing
 * objects (else missing_references). Refused objects are not created, as in Dashboards.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  fileName?: string;
  fileType?: string;
  lines?: string[];
}

/** The types a stock Dashboards 2.x registers (those an export of ours may hold, and a few others). */
const KNOWN_TYPES = new Set(['index-pattern', 'visualization', 'dashboard', 'search', 'config', 'url', 'query', 'augment-vis', 'visualization-visbuilder']);
/** Import checks references of these types only (validate_references.ts). */
const VALIDATED_REFERENCE_TYPES = new Set(['index-pattern', 'search']);

export interface DashboardsImportServer {
  url: string;
  /** Objects as Dashboards would hold them after the requests so far: `${type}:${id}` → object. */
  objects: Map<string, StoredObject>;
  requests: RecordedRequest[];
  /** Answers every following request with this status and body instead (e.g. 401 from a security plugin). */
  failWith(status: number, body: unknown): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const badRequest = (res: ServerResponse, message: string): void => send(res, 400, { statusCode: 400, error: 'Bad Request', message });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Dashboards' default savedObjects.maxImportPayloadBytes.
    if (size > 26_214_400) throw new Error('payload too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startDashboardsImportServer(): Promise<DashboardsImportServer> {
  const objects = new Map<string, StoredObject>();
  const requests: RecordedRequest[] = [];
  let forced: { status: number; body: unknown } | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    requests.push(recorded);
    const body = await readBody(req);
    if (forced) return send(res, forced.status, forced.body);
    if (url.pathname !== '/api/saved_objects/_import' || req.method !== 'POST') return send(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    // The xsrf handler runs before any route: every non-GET request needs the header (any value).
    if (req.headers['osd-xsrf'] === undefined) return badRequest(res, 'Request must contain a osd-xsrf header.');
    for (const key of url.searchParams.keys()) {
      if (key !== 'overwrite' && key !== 'createNewCopies') return badRequest(res, `[request query.${key}]: definition for this key is missing`);
    }
    const flag = (name: string): boolean | 'bad' => {
      const v = url.searchParams.get(name);
      return v === null ? false : v === 'true' ? true : v === 'false' ? false : 'bad';
    };
    const overwrite = flag('overwrite');
    const createNewCopies = flag('createNewCopies');
    if (overwrite === 'bad' || createNewCopies === 'bad') return badRequest(res, '[request query.overwrite]: expected value of type [boolean]');
    if (overwrite && createNewCopies) return badRequest(res, 'cannot use [overwrite] with [createNewCopies]');
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) return send(res, 415, { statusCode: 415, error: 'Unsupported Media Type', message: 'Unsupported Media Type' });
    let form: FormData;
    try {
      form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    } catch (e) {
      return badRequest(res, `Invalid multipart payload format: ${(e as Error).message}`);
    }
    const file = form.get('file');
    if (!(file instanceof File)) return badRequest(res, '[request body.file]: expected value of type [Stream] but got [undefined]');
    recorded.fileName = file.name;
    recorded.fileType = file.type;
    const extension = /\.[^.]*$/.exec(file.name)?.[0]?.toLowerCase() ?? '';
    if (extension !== '.ndjson') return badRequest(res, `Invalid file extension ${extension}`);
    const lines = (await file.text()).split('\n');
    recorded.lines = lines;
    const incoming: StoredObject[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        return badRequest(res, (e as Error).message);
      }
      const obj = parsed as Record<string, unknown>;
      if ('exportedCount' in obj) continue;
      incoming.push({ id: String(obj['id']), type: String(obj['type']), attributes: (obj['attributes'] ?? {}) as Record<string, unknown>, references: (obj['references'] ?? []) as StoredObject['references'] });
    }
    const errors: Array<Record<string, unknown>> = [];
    const title = (o: StoredObject): string | undefined => (typeof o.attributes['title'] === 'string' ? o.attributes['title'] : undefined);
    const inFile = new Set(incoming.map((o) => `${o.type}:${o.id}`));
    const accepted: StoredObject[] = [];
    for (const o of incoming) {
      if (!KNOWN_TYPES.has(o.type)) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta: { title: title(o) }, error: { type: 'unsupported_type' } });
        continue;
      }
      const missing = o.references.filter((r) => VALIDATED_REFERENCE_TYPES.has(r.type) && !inFile.has(`${r.type}:${r.id}`) && !objects.has(`${r.type}:${r.id}`));
      if (missing.length > 0) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta: { title: title(o) }, error: { type: 'missing_references', references: missing.map((r) => ({ type: r.type, id: r.id })) } });
        continue;
      }
      if (!overwrite && !createNewCopies && objects.has(`${o.type}:${o.id}`)) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta: { title: title(o) }, error: { type: 'conflict' } });
        continue;
      }
      accepted.push(o);
    }
    for (const o of accepted) objects.set(`${o.type}:${o.id}`, o);
    send(res, 200, {
      success: errors.length === 0,
      successCount: accepted.length,
      ...(accepted.length > 0 ? { successResults: accepted.map((o) => ({ type: o.type, id: o.id, meta: { title: title(o) } })) } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => send(res, 500, { statusCode: 500, error: 'Internal Server Error', message: e.message }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    failWith: (status, body) => {
      forced = { status, body };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
