/** @module `hidsmon server`: the CloudWatch-Logs-compatible ingest, the forwarder, the index and the query API in one process. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadServerConfig, type ServerConfig } from '../../../config/server-config.js';
import { startServer, TlsSetupError, type RunningServer, type StartOptions } from '../../server/server.js';
import { LoosePermissionsError } from '../../server/private-files.js';
import { loadTlsFiles } from '../../server/tls.js';
import { ui } from '../../server/ui-files.js';
import { integerOption, parseCommandLine, stringOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { writeOut } from '../io.js';
import type { CommandContext } from '../main.js';

export const serverHelp = `Usage: hidsmon server [options]

Runs hidsmon on this machine: a CloudWatch Logs API on POST / (for the AWS SDK, the
CloudWatch agent, Fluent Bit or Vector), the durable log, the forwarder into the
index (embedded, or an OpenSearch cluster), the query API under /api and the web
UI. Prints a one-time login link for the browser.

Options:
  --config FILE          settings in YAML (default: ./hidsmon.yaml when it exists)
  --data DIR             data directory (default: $HIDSMON_DATA, else ./hidsmon-data)
  --port N               port (default: 5601; 0 picks a free one)
  --host ADDR            address to listen on (default: 127.0.0.1)
  --backend B            embedded (DuckDB in the data directory; the default) or
                         opensearch: search and index in OpenSearch ($HIDSMON_BACKEND)
  --opensearch-url URL   the OpenSearch cluster, such as http://127.0.0.1:9200
                         ($HIDSMON_OPENSEARCH_URL, opensearch.url)
  -h, --help             show this help

Settings (hidsmon.yaml keys; environment variables override them):
  host, port, data ($HIDSMON_HOST, $HIDSMON_PORT, $HIDSMON_DATA)
  owner: 12-digit account id for @owner and ARNs ($HIDSMON_OWNER)
  region ($HIDSMON_REGION)
  access_keys: [{id, secret, profile, log_groups}] for SigV4; profile agent (the
       default: ship and describe) or admin ($HIDSMON_ACCESS_KEY_ID,
       $HIDSMON_SECRET_ACCESS_KEY, $HIDSMON_ACCESS_KEY_PROFILE)
  api_tokens: [token] for the query API, each an admin ($HIDSMON_API_TOKEN)
  trusted_networks: [CIDR] allowed to connect ($HIDSMON_TRUSTED_NETWORKS, comma-separated)
  retention_days: daily indices to keep ($HIDSMON_RETENTION_DAYS)
  tls: auto (a self-signed certificate made in the data directory), {cert, key}
       (PEM files) or off: HTTPS on the same port ($HIDSMON_TLS=auto|off,
       $HIDSMON_TLS_CERT with $HIDSMON_TLS_KEY)
  auto_subscribe: forward every log group without a subscription filter to the index
  text_count_cache: keep free-text counts between writes to their days (true;
       $HIDSMON_TEXT_COUNT_CACHE=false walks the text index on every search)
  text_segments: move each closed day of the text index (older than the newest,
       quiet) into a compact segment file of its own (true; $HIDSMON_TEXT_SEGMENTS=false
       keeps every day in FTS5)
  backend: embedded or opensearch ($HIDSMON_BACKEND)
  opensearch: {url, index_prefix (cwl-), auth (none | basic | sigv4, or
       {type, username, service, region}; the basic password in
       $HIDSMON_OPENSEARCH_PASSWORD, SigV4 keys from the AWS default chain),
       max_bulk_bytes (5 MiB), retention_days (retention_days)}. With a url set,
       subscription filters may send a log group to arn:hidsmon:sink:opensearch
       even when the backend is embedded (a group may feed both sinks).
Keys and tokens not configured are generated on first start (an agent key for the
hosts, an admin key for operators, a viewer and an admin token), kept in
<data>/credentials.json (readable by its owner only) and printed once; manage them
with \`hidsmon keys\`.
`;

/** Reads the config file and environment into a validated configuration, or a usage error listing every problem. */
export function serverConfigFromCommandLine(command: string, values: Record<string, unknown>, env: NodeJS.ProcessEnv, port?: number): ServerConfig {
  const configPath = stringOption(values as never, 'config');
  const path = configPath ?? (existsSync('hidsmon.yaml') ? 'hidsmon.yaml' : undefined);
  if (configPath !== undefined && !existsSync(configPath)) throw usageError(command, `--config: ${configPath} does not exist.`);
  const data = stringOption(values as never, 'data');
  const host = stringOption(values as never, 'host');
  const backend = stringOption(values as never, 'backend');
  const openSearchUrl = stringOption(values as never, 'opensearch-url');
  const loaded = loadServerConfig({
    ...(path ? { file: { name: path, text: readFileSync(path, 'utf8') } } : {}),
    env,
    flags: { ...(data ? { dataDir: resolve(data) } : {}), ...(port !== undefined ? { port } : {}), ...(host ? { host } : {}), ...(backend !== undefined ? { backend } : {}), ...(openSearchUrl !== undefined ? { openSearchUrl } : {}) },
    defaultDataDir: resolve('hidsmon-data'),
    checkTlsFiles: (cert, key) => {
      const checked = loadTlsFiles(resolve(cert), resolve(key));
      return checked.ok ? [] : checked.error;
    },
  });
  if (!loaded.ok) throw new CliError(`The configuration has problems:\n  - ${loaded.error.join('\n  - ')}`, 2);
  const tls = loaded.value.tls;
  return { ...loaded.value, dataDir: resolve(loaded.value.dataDir), ...(tls?.mode === 'files' ? { tls: { ...tls, certFile: resolve(tls.certFile), keyFile: resolve(tls.keyFile) } } : {}) };
}

export function serverLogger(level = process.env['HIDSMON_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { service: 'hidsmon' } }, pino.destination(2));
}

/** Starts a server, with the error a user can act on when the port is taken. */
export async function startOrExplain(config: ServerConfig, logger: Logger, extra: Partial<StartOptions> = {}): Promise<RunningServer> {
  try {
    return await startServer(config, { logger, ui, ...extra });
  } catch (e) {
    if (e instanceof TlsSetupError) throw new CliError(e.message, 2);
    if (e instanceof LoosePermissionsError) throw new CliError(e.message, 2);
    const error = e as NodeJS.ErrnoException;
    if (error.code === 'EADDRINUSE') throw new CliError(`Port ${config.port} on ${config.host} is in use. Stop what runs there, or pass --port N (0 picks a free port).`);
    if (error.code === 'EACCES') throw new CliError(`Not allowed to listen on ${config.host}:${config.port}. Use a port above 1023.`);
    if (/lock/i.test(error.message)) throw new CliError(`The data directory ${config.dataDir} is in use by another hidsmon process. Stop it or pass --data DIR.`);
    throw e;
  }
}

/** `next`: where the login link lands (a path of the UI, such as the demo's range that shows its data). */
export function banner(server: RunningServer, next?: string): string {
  const lines = [
    `hidsmon is running on ${server.url} (data in ${server.config.dataDir})`,
    '',
    `  Open the UI:        ${next ? `${server.loginUrl}&next=${encodeURIComponent(next)}` : server.loginUrl}`,
    `  CloudWatch Logs:    endpoint ${server.url}, region ${server.config.region}`,
    ...indexLines(server.config),
  ];
  if (server.tls) {
    const made = server.tls.generated ? ` (self-signed, made now: ${server.tls.generated.reason})` : server.config.tls?.mode === 'auto' ? ' (self-signed)' : '';
    lines.push(
      `  TLS certificate:    ${server.tls.certFile}${made}, valid until ${server.tls.notAfter.toISOString().slice(0, 10)}`,
      `  TLS SHA-256:        ${server.tls.fingerprint256}`,
    );
    if (server.config.tls?.mode === 'auto') lines.push(`  Hosts trust it as:  their CA file (AWS CLI --ca-bundle, Fluent Bit tls.ca_file, Node extra CA); compare the fingerprint in the browser.`);
  }
  lines.push(...credentialLines(server));
  lines.push('', 'Stop with Ctrl-C.');
  return `${lines.join('\n')}\n`;
}

/** Where the alerts are indexed and searched, and what else a subscription filter can send them to. */
function indexLines(config: ServerConfig): string[] {
  const os = config.openSearch;
  if (config.backend === 'opensearch' && os) return [`  Index:              OpenSearch at ${os.url} (daily indices ${os.indexPrefix}YYYY.MM.DD; /healthz says degraded while it is unreachable)`];
  const lines = [`  Index:              embedded, ${config.dataDir}/index.duckdb`];
  if (os) lines.push(`  Also OpenSearch:    ${os.url} (${os.indexPrefix}*) for subscription filters to arn:hidsmon:sink:opensearch`);
  return lines;
}

/** What this start made, printed once and saying which goes where; else where the credentials are. */
export function credentialLines(server: RunningServer): string[] {
  const { created, file, migrated } = server.credentials;
  const manage = `hidsmon keys list|create|revoke --data ${server.config.dataDir}`;
  if (!created) {
    if (migrated) return [`  Credentials:        ${file}, migrated: its key is now an agent key (hosts keep shipping); make an operators' key with: hidsmon keys create --profile admin --data ${server.config.dataDir}`];
    return [`  Credentials:        in ${file} (${manage})`];
  }
  const lines = ['', `Generated on this first start, stored in ${file} (readable by you only), not printed again:`];
  if (created.agentKey) lines.push('  Agent key, for each host\'s shipper (creates its group and stream, ships, describes):', `    AWS_ACCESS_KEY_ID=${created.agentKey.id}`, `    AWS_SECRET_ACCESS_KEY=${created.agentKey.secret}`);
  if (created.adminKey) lines.push('  Admin key, for operators\' aws CLI (every action; never put it on a monitored host):', `    AWS_ACCESS_KEY_ID=${created.adminKey.id}`, `    AWS_SECRET_ACCESS_KEY=${created.adminKey.secret}`);
  if (created.viewerToken) lines.push(`  Viewer token, for people who search and watch alerts (UI sign-in, API Bearer): ${created.viewerToken.secret}`);
  if (created.adminToken) lines.push(`  Admin token, for operators (also deletes indices, manages keys, reads the audit log): ${created.adminToken.secret}`);
  lines.push(`  Manage them with: ${manage}`);
  return lines;
}

/** `extra`: start options for tests (a faulty sink); the CLI passes none. */
export async function serverCommand(argv: string[], ctx: CommandContext, extra: Partial<StartOptions> = {}): Promise<number> {
  const { values } = parseCommandLine('server', argv, { config: { type: 'string' }, data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, backend: { type: 'string' }, 'opensearch-url': { type: 'string' } }, 0);
  if (values['help']) {
    await writeOut(ctx.stdout, serverHelp);
    return 0;
  }
  const config = serverConfigFromCommandLine('server', values, process.env, integerOption('server', values, 'port', 0));
  const server = await startOrExplain(config, serverLogger(), extra);
  await writeOut(ctx.stdout, banner(server));
  await new Promise<void>((done) => (ctx.signal.aborted ? done() : ctx.signal.addEventListener('abort', () => done(), { once: true })));
  ctx.stderr.write('hidsmon: stopping...\n');
  const clean = await server.stop();
  // Something abandoned by the bounded stop (a sink write that never returned) may hold the
  // process open; its cursors are saved, so end it. Unref'd: it fires only if that is so.
  if (!clean) setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
