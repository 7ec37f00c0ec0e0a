/**
 * @module `hidsmon audit`: the audit log, oldest of the shown entries first, as `tail` shows a file;
 * `--follow` keeps printing new entries. Reads a running server through `GET /api/audit` (an
 * admin token), or the data directory's `audit.duckdb` when no server answers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { parseAuditQuery, auditRecordJson, type AuditRecordJson } from '../../../audit/audit-query.js';
import { AUDIT_INBOX, takeAuditInbox } from '../../../audit/audit-inbox.js';
import { AuditStore } from '../../../audit/audit-store.js';
import { parseCommandLine, stringOption, integerOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { DATA_OPTION_HELP, dataDirectory } from '../data-dir.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const auditHelp = `Usage: hidsmon audit [options]

Shows the audit log: every change that is not PutLogEvents (log groups, streams,
subscription filters, retention, deletions, index deletions, keys, logins), allowed,
denied or failed, and refused PutLogEvents: time, outcome, action, actor (key or
token id), source address, resource, message. The newest entries are shown, oldest
first; --follow keeps printing new ones until Ctrl-C.

It asks the running server (GET /api/audit, with an admin API token); when no
server answers at the default address, it reads the data directory instead.

Options:
  -f, --follow           keep printing new entries (needs a running server)
  --since TIME           entries from this time: 90s, 15m, 1h, 7d, or date math / ISO 8601 (default: all)
  -n, --limit N          how many of the newest entries to show first (default 20, at most 1000)
  --action GLOB          only these actions: a glob (logs:Put*) or a prefix (logs:); repeatable
  --outcome OUTCOME      allowed, denied or failed; repeatable
  --actor ID             only this access key or token id; repeatable
  --resource GLOB        only this resource (exact, or a glob)
  -q, --query TEXT       text in the message, action, resource, actor, source address or detail
  --json                 one JSON object per entry
  --url URL              the server (default: $HIDSMON_URL, else http://127.0.0.1:$HIDSMON_PORT or 5601)
  --token TOKEN          an admin API token (default: $HIDSMON_API_TOKEN)
  --ca FILE              PEM file of the CA that signed the server's certificate (HTTPS)
  --interval MS          how often --follow asks (default 1000)
${DATA_OPTION_HELP}
  -h, --help             show this help

Exit status: 0 done (or stopped with Ctrl-C while following), 1 failed (server
unreachable, token refused), 2 bad command line.
`;

const OPTIONS = {
  follow: { type: 'boolean', short: 'f' },
  since: { type: 'string' },
  limit: { type: 'string', short: 'n' },
  action: { type: 'string', multiple: true },
  outcome: { type: 'string', multiple: true },
  actor: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  query: { type: 'string', short: 'q' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  interval: { type: 'string' },
  data: { type: 'string' },
} as const;

interface Source {
  /** The newest `limit` entries of the filter, oldest first. */
  tail(): Promise<AuditRecordJson[]>;
  /** Entries after `id`, oldest first. */
  after(id: number): Promise<AuditRecordJson[]>;
  close(): Promise<void>;
}

export async function auditCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandLine('audit', argv, OPTIONS, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, auditHelp);
    return 0;
  }
  const limit = integerOption('audit', values, 'limit', 1) ?? 20;
  if (limit > 1000) throw usageError('audit', '--limit is at most 1000.');
  const intervalMs = integerOption('audit', values, 'interval', 50) ?? 1000;
  const filters = new URLSearchParams();
  const since = stringOption(values, 'since');
  if (since !== undefined) filters.set('from', /^\d+(ms|s|m|h|d|w)$/.test(since) ? `now-${since}` : since);
  for (const name of ['action', 'outcome', 'actor', 'resource'] as const) for (const v of (values[name] as string[] | undefined) ?? []) filters.append(name, v);
  const text = stringOption(values, 'query');
  if (text !== undefined) filters.set('q', text);
  // The same checks the server makes, before anything is asked: a bad filter is a usage error.
  const checked = parseAuditQuery(filters, ctx.now());
  if (!checked.ok) throw usageError('audit', checked.error.message.replace(/^from:/, '--since:').replace(/^q /, '--query '));

  const follow = values['follow'] === true;
  const source = await openSource(values, filters, limit, ctx, follow);
  const print = async (entries: AuditRecordJson[]): Promise<void> => {
    if (entries.length > 0) await writeOut(ctx.stdout, entries.map((e) => (values['json'] ? `${JSON.stringify(e)}\n` : `${formatEntry(e)}\n`)).join(''));
  };
  try {
    const first = await source.tail();
    await print(first);
    if (!follow) return 0;
    // Nothing matched yet: every later match is new (the filter, --since included, still applies).
    let lastId = first.reduce((m, e) => Math.max(m, e.id), 0);
    let unreachable = false;
    while (!ctx.signal.aborted) {
      await sleep(intervalMs, ctx.signal);
      if (ctx.signal.aborted) break;
      let entries: AuditRecordJson[];
      try {
        entries = await source.after(lastId);
      } catch (e) {
        if (e instanceof CliError && e.exitCode === 1 && /cannot reach/.test(e.message)) {
          // A restart of the server: say so once, and go on when it is back.
          if (!unreachable) ctx.stderr.write(`hidsmon audit: ${e.message} Retrying.\n`);
          unreachable = true;
          continue;
        }
        throw e;
      }
      unreachable = false;
      await print(entries);
      for (const e of entries) lastId = Math.max(lastId, e.id);
    }
    return 0;
  } finally {
    await source.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function openSource(values: Record<string, unknown>, filters: URLSearchParams, limit: number, ctx: CommandContext, follow: boolean): Promise<Source> {
  const explicitUrl = typeof values['url'] === 'string' ? (values['url'] as string) : process.env['HIDSMON_URL'];
  const dataOption = typeof values['data'] === 'string' ? (values['data'] as string) : undefined;
  // --data without --url: the operator chose the directory.
  if (dataOption !== undefined && explicitUrl === undefined) {
    if (follow) throw usageError('audit', '--follow reads a running server; leave out --data (or give --url).');
    return dataDirSource(dataDirectory(dataOption), filters, limit, ctx);
  }
  const url = explicitUrl ?? `http://127.0.0.1:${process.env['HIDSMON_PORT'] ?? '5601'}`;
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw usageError('audit', `--url is the server's address, such as http://127.0.0.1:5601, not "${url}".`);
  }
  const caFile = typeof values['ca'] === 'string' ? (values['ca'] as string) : undefined;
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (e) {
      throw new CliError(`--ca ${caFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
    }
  }
  const token = typeof values['token'] === 'string' ? (values['token'] as string) : process.env['HIDSMON_API_TOKEN'];
  const api = apiSource(base, token, ca, filters, limit);
  if (explicitUrl !== undefined) return api;
  // The default address: a server that is not running means "read the data directory".
  try {
    await api.probe();
    return api;
  } catch (e) {
    if (!(e instanceof CliError && /cannot reach/.test(e.message))) throw e;
    if (follow) throw new CliError(`${e.message} --follow needs a running server (give --url if it listens elsewhere).`);
    const dir = dataDirectory(undefined);
    ctx.stderr.write(`hidsmon audit: no server at ${base.origin}; reading ${join(dir, 'audit.duckdb')}.\n`);
    return dataDirSource(dir, filters, limit, ctx);
  }
}

function apiSource(base: URL, token: string | undefined, ca: Buffer | undefined, filters: URLSearchParams, limit: number): Source & { probe(): Promise<void> } {
  const get = async (params: URLSearchParams): Promise<{ entries: AuditRecordJson[] }> => {
    const url = new URL(`/api/audit?${params.toString()}`, base);
    // Asked even without a token: whether a server answers decides between it and the data directory.
    const { status, body } = await httpGet(url, { ...(token ? { Authorization: `Bearer ${token}` } : {}), Accept: 'application/json' }, ca);
    if (!token && status === 401) throw new CliError(`${base.origin} is running: reading its audit log needs an admin API token: pass --token or set $HIDSMON_API_TOKEN.`);
    let json: { entries?: AuditRecordJson[]; error?: { message?: string } };
    try {
      json = JSON.parse(body);
    } catch {
      throw new CliError(`${base.origin} answered ${status} without JSON; is it a hidsmon server?`);
    }
    if (status === 401) throw new CliError(`The server refused the token (401): ${json.error?.message ?? ''}`.trim());
    if (status === 403) throw new CliError(`The token may not read the audit log (403): ${json.error?.message ?? 'it needs the admin role.'}`);
    if (status === 404) throw new CliError(`${base.origin} has no audit log API (404); is it an older hidsmon?`);
    if (status !== 200 || !Array.isArray(json.entries)) throw new CliError(`${base.origin} answered ${status}: ${json.error?.message ?? body.slice(0, 200)}`);
    return { entries: json.entries };
  };
  return {
    probe: async () => void (await get(new URLSearchParams({ limit: '1' }))),
    tail: async () => {
      const params = new URLSearchParams(filters);
      params.set('limit', String(limit));
      return (await get(params)).entries.reverse();
    },
    after: async (id) => {
      const params = new URLSearchParams(filters);
      params.set('after_id', String(id));
      params.set('limit', '1000');
      return (await get(params)).entries;
    },
    close: async () => undefined,
  };
}

function httpGet(url: URL, headers: Record<string, string>, ca: Buffer | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers, timeout: 15_000, ...(ca && url.protocol === 'https:' ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (body.length > 64 * 1024 * 1024) req.destroy(new Error('The answer is over 64 MiB.'));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out after 15 s'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT' || e.code === 'EHOSTUNREACH' || e.code === 'ENOTFOUND') reject(new CliError(`cannot reach ${url.origin} (${e.code}).`));
      else if (/certificate|self[- ]signed|SSL|TLS/i.test(`${e.code} ${e.message}`)) reject(new CliError(`${url.origin}: the server's certificate is not trusted (${e.code ?? e.message}); pass --ca with the CA file (for tls: auto, the certificate in the server's data directory).`));
      else reject(new CliError(`${url.origin}: ${e.message}`));
    });
    req.end();
  });
}

async function dataDirSource(dir: string, filters: URLSearchParams, limit: number, ctx: CommandContext): Promise<Source> {
  const path = join(dir, 'audit.duckdb');
  let store: AuditStore;
  // Entries another command left for the server (which is not running) are taken in first.
  const inbox = existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(AUDIT_INBOX));
  if (!existsSync(path) && !inbox) {
    throw new CliError(`There is no audit log in ${dir} (no audit.duckdb). Start the server once, or pass --data or --url.`);
  }
  try {
    store = await AuditStore.open({ path, readOnly: !inbox });
    if (inbox) await takeAuditInbox(dir, (e) => store.record(e), () => store.flushed());
  } catch (e) {
    if (/lock/i.test((e as Error).message)) throw new CliError(`The audit log in ${dir} is in use by a running server; read it through the server (--url, --token).`);
    throw new CliError(`Cannot open the audit log in ${dir}: ${(e as Error).message}`);
  }
  const query = (params: URLSearchParams) => {
    const parsed = parseAuditQuery(params, ctx.now());
    if (!parsed.ok) throw usageError('audit', parsed.error.message);
    return parsed.value;
  };
  return {
    tail: async () => {
      const params = new URLSearchParams(filters);
      params.set('limit', String(limit));
      return (await store.search(query(params))).entries.map(auditRecordJson).reverse();
    },
    after: async (id) => (await store.search({ ...query(filters), afterId: id, limit: 1000 })).entries.map(auditRecordJson),
    close: () => store.close(),
  };
}

/** Control characters (a terminal's escape sequences among them) as visible escapes: recorded text is an attacker's. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatEntry(e: AuditRecordJson): string {
  const actor = e.actor.kind === 'session' && e.actor.token_id ? `${e.actor.id}(${e.actor.token_id})` : e.actor.id;
  const parts = [e.time, e.outcome.padEnd(7), e.action, actor, e.source_ip ?? '-', e.resource ?? '-'];
  if (e.message) parts.push(e.message);
  if (e.detail) parts.push(JSON.stringify(e.detail));
  return terminalSafe(parts.join('  '));
}
