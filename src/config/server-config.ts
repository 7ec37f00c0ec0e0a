/**
 * @module The server's configuration: a YAML file, then environment overrides, then defaults,
 * validated as a whole with messages that name the setting and say what to write instead.
 * Pure: callers read the file and the environment and pass their text and values in.
 */
import { parse as parseYaml } from 'yaml';
import { LOG_GROUP_GLOB } from '../core/access-profiles.js';
import { isIp } from '../core/ip.js';
import { isPlainObject, type JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { DEFAULT_ADMISSION } from '../pipeline/admission.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../query/limits.js';
import { loadBackendSettings, type Backend, type OpenSearchSettings } from './opensearch-config.js';
import { GENERATE_HINT, weakSecretReason } from './secret-strength.js';
import { loadNotificationSettings, type NotificationSettings } from '../notify/notify-config.js';
import { loadDetectionSettings, type DetectionSettings } from '../detect/detect-config.js';

export type { Backend, OpenSearchSettings } from './opensearch-config.js';

/**
 * What one request to the query API may cost; each mirrors an OpenSearch setting (see
 * query/limits.ts). And how far indexing may fall behind ingest before PutLogEvents is throttled
 * (pipeline/admission.ts).
 */
export interface ServerLimits extends QueryLimits {
  /** Bytes of a request body under `/api` (a larger one is answered 413). */
  maxRequestBodyBytes: number;
  /** PutLogEvents answers ThrottlingException while a destination is this far behind in time (0: no bound). */
  maxIndexingLagMs: number;
  /** ... or has more than this many events to index (0: no bound). */
  maxIndexingLagEvents: number;
  /** ... but never while at most this many events wait (a burst, not an overload). */
  indexingLagAllowanceEvents: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  ...DEFAULT_QUERY_LIMITS,
  maxRequestBodyBytes: 1024 * 1024,
  maxIndexingLagMs: DEFAULT_ADMISSION.maxLagMs,
  maxIndexingLagEvents: DEFAULT_ADMISSION.maxLagEvents,
  indexingLagAllowanceEvents: DEFAULT_ADMISSION.allowanceEvents,
});

/** `limits:` keys in hidsmon.yaml → ServerLimits fields, with the smallest value that makes sense. */
const LIMIT_KEYS: ReadonlyArray<readonly [yaml: string, key: keyof ServerLimits, min: number]> = [
  ['max_request_body_bytes', 'maxRequestBodyBytes', 1024],
  ['max_clause_count', 'maxClauseCount', 1],
  ['max_terms_count', 'maxTermsCount', 1],
  ['max_buckets', 'maxBuckets', 1],
  ['max_fuzzy_expansions', 'maxFuzzyExpansions', 1],
  ['max_result_window', 'maxResultWindow', 1],
  ['search_timeout_ms', 'searchTimeoutMs', 0],
  ['max_fields', 'maxFields', 1],
  ['max_indexing_lag_ms', 'maxIndexingLagMs', 0],
  ['max_indexing_lag_events', 'maxIndexingLagEvents', 0],
  ['indexing_lag_allowance_events', 'indexingLagAllowanceEvents', 0],
];

export interface AccessKey {
  id: string;
  secret: string;
  /** What the key may do (see api/cloudwatch-logs/permissions.ts); a configured key without one is `agent`. */
  profile?: 'agent' | 'admin';
  /** Log group names or globs the key is limited to; absent: every group. */
  logGroups?: string[];
}

/**
 * `tls:` in hidsmon.yaml: PEM files an operator has (`{cert, key}`), or `auto`, a self-signed
 * certificate the server makes in its data directory for a first install. Absent: plain HTTP.
 */
export type TlsSetting = { mode: 'files'; certFile: string; keyFile: string } | { mode: 'auto' };

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** AWS account id shown as `@owner` and in ARNs. */
  owner: string;
  region: string;
  /** SigV4 keys for the CloudWatch Logs API; empty: generated on first start. */
  accessKeys: AccessKey[];
  /** Bearer tokens for the query API; empty: generated on first start. */
  apiTokens: string[];
  /** CIDR blocks allowed to connect at all (the blog's trusted network). */
  trustedNetworks: string[];
  /** Daily indices older than this many days are dropped; 0 keeps everything. */
  retentionDays: number;
  /** A new log group is subscribed to the embedded index, so that shippers need no set-up. */
  autoSubscribe: boolean;
  /**
   * The embedded text index keeps its counts and histogram tallies between writes to their days
   * (sinks/duckdb/text-index-counts.ts; default true). false: every search walks its matches, as a
   * first search does (for measuring that walk, or to spend no memory on kept counts).
   */
  textCountCache?: boolean;
  /**
   * The embedded text index moves each closed day (older than the newest day, no write for a while) out
   * of FTS5 into a compact segment file of its own (sinks/duckdb/text-segment.ts; default true):
   * fewer bytes per alert and faster free-text counts on old days.
   */
  textSegments?: boolean;
  /** Audit log entries older than this many days are deleted (default 90); 0 keeps everything. */
  auditRetentionDays?: number;
  /** /healthz says degraded when a destination is further behind than this (seconds; default 300). */
  healthLagSeconds?: number;
  /** The fleet view calls a host silent when its agent's last heartbeat is older than this (seconds; default 180: three missed beats at the agent's 60 s). */
  silentHostSeconds?: number;
  /** Query cost limits (default DEFAULT_LIMITS). */
  limits?: ServerLimits;
  /** HTTPS on the same port; absent: plain HTTP. */
  tls?: TlsSetting;
  /** What the query API and UI search (default embedded). */
  backend?: Backend;
  /** An OpenSearch cluster: the backend when `backend` is opensearch; with either backend, where `arn:hidsmon:sink:opensearch` writes. */
  openSearch?: OpenSearchSettings;
  /** Where detections are notified (webhook, Slack, e-mail, SNS), which go where, and the throttle; absent: none. */
  notifications?: NotificationSettings;
  /** The rule engine: on by default with the built-in pack; rules also from `<data>/rules/*.yaml`. */
  detections?: DetectionSettings;
}

export const DEFAULTS: Omit<ServerConfig, 'dataDir'> = {
  host: '127.0.0.1',
  port: 5601,
  owner: '000000000000',
  region: 'us-east-1',
  accessKeys: [],
  apiTokens: [],
  trustedNetworks: ['127.0.0.0/8', '::1/128'],
  retentionDays: 30,
  autoSubscribe: true,
  textCountCache: true,
  textSegments: true,
  auditRetentionDays: 90,
  healthLagSeconds: 300,
  silentHostSeconds: 180,
  limits: DEFAULT_LIMITS,
};

/** The YAML keys, as a user writes them. */
const KEYS = ['host', 'port', 'data', 'owner', 'region', 'access_keys', 'api_tokens', 'trusted_networks', 'retention_days', 'audit_retention_days', 'auto_subscribe', 'text_count_cache', 'text_segments', 'health_lag_seconds', 'silent_host_seconds', 'limits', 'tls', 'backend', 'opensearch', 'notifications', 'detections'];

export interface ConfigSources {
  /** Contents of hidsmon.yaml, if there is one, and its name for messages. */
  file?: { name: string; text: string };
  env: Record<string, string | undefined>;
  /** Command-line overrides. */
  flags?: { dataDir?: string; port?: number; host?: string; backend?: string; openSearchUrl?: string };
  /** Where the data directory is when nothing says. */
  defaultDataDir: string;
  /** Reads `tls: {cert, key}` files and says what is wrong with them (missing, unreadable, a key not the certificate's), so those problems are listed with the others. */
  checkTlsFiles?: (certFile: string, keyFile: string) => string[];
}

export function loadServerConfig(sources: ConfigSources): Result<ServerConfig, string[]> {
  const problems: string[] = [];
  let file: JsonObject = {};
  if (sources.file) {
    try {
      const parsed: unknown = parseYaml(sources.file.text);
      if (parsed === null || parsed === undefined) file = {};
      else if (isPlainObject(parsed)) file = parsed;
      else problems.push(`${sources.file.name}: the file must be a YAML mapping of settings (host: ..., port: ...).`);
    } catch (e) {
      problems.push(`${sources.file.name}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    for (const key of Object.keys(file)) {
      if (!KEYS.includes(key)) problems.push(`${sources.file.name}: unknown setting "${key}"; the settings are ${KEYS.join(', ')}.`);
    }
  }
  const where = (key: string, env?: string): string => (env && sources.env[env] !== undefined ? `$${env}` : `${sources.file?.name ?? 'config'}: ${key}`);
  const env = sources.env;

  const host = sources.flags?.host ?? env['HIDSMON_HOST'] ?? file['host'] ?? DEFAULTS.host;
  if (typeof host !== 'string' || (host !== 'localhost' && !isIp(host) && host !== '0.0.0.0' && host !== '::')) {
    problems.push(`${where('host', 'HIDSMON_HOST')}: "${String(host)}" is not an address to listen on; use 127.0.0.1 (this machine only), 0.0.0.0 (all IPv4) or an interface address.`);
  }
  const portValue = sources.flags?.port ?? env['HIDSMON_PORT'] ?? file['port'] ?? DEFAULTS.port;
  const port = typeof portValue === 'string' && /^\d+$/.test(portValue) ? Number(portValue) : portValue;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${where('port', 'HIDSMON_PORT')}: "${String(portValue)}" is not a TCP port (0–65535).`);
  }
  const dataDir = sources.flags?.dataDir ?? env['HIDSMON_DATA'] ?? file['data'] ?? sources.defaultDataDir;
  if (typeof dataDir !== 'string' || dataDir === '') problems.push(`${where('data', 'HIDSMON_DATA')}: the data directory must be a path.`);
  const owner = env['HIDSMON_OWNER'] ?? (file['owner'] === undefined ? DEFAULTS.owner : String(file['owner']));
  if (!/^\d{12}$/.test(owner)) problems.push(`${where('owner', 'HIDSMON_OWNER')}: "${owner}" is not a 12-digit AWS account id (it becomes @owner and the ARNs' account).`);
  const region = env['HIDSMON_REGION'] ?? file['region'] ?? DEFAULTS.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`${where('region', 'HIDSMON_REGION')}: "${String(region)}" is not a region name such as us-east-1.`);

  const accessKeys: AccessKey[] = [];
  if (env['HIDSMON_ACCESS_KEY_ID'] !== undefined || env['HIDSMON_SECRET_ACCESS_KEY'] !== undefined) {
    const id = env['HIDSMON_ACCESS_KEY_ID'];
    const secret = env['HIDSMON_SECRET_ACCESS_KEY'];
    const profile = env['HIDSMON_ACCESS_KEY_PROFILE'];
    if (!id || !secret) problems.push('$HIDSMON_ACCESS_KEY_ID and $HIDSMON_SECRET_ACCESS_KEY go together: set both, or neither to have keys generated.');
    else if (profile !== undefined && profile !== 'agent' && profile !== 'admin') problems.push(`$HIDSMON_ACCESS_KEY_PROFILE: agent (ship and describe; the default) or admin (everything), not "${profile}".`);
    else accessKeys.push({ id, secret, ...(profile ? { profile } : {}) });
  } else if (file['access_keys'] !== undefined) {
    const list = file['access_keys'];
    if (!Array.isArray(list)) problems.push(`${where('access_keys')}: a list of {id, secret}.`);
    else {
      list.forEach((key: unknown, i) => {
        if (isPlainObject(key) && typeof key['id'] === 'string' && typeof key['secret'] === 'string' && key['id'] !== '' && key['secret'] !== '') {
          const profile = key['profile'];
          const logGroups = key['log_groups'];
          if (profile !== undefined && profile !== 'agent' && profile !== 'admin') problems.push(`${where('access_keys')}[${i}].profile: agent (ship and describe; the default) or admin (everything).`);
          else if (logGroups !== undefined && (!Array.isArray(logGroups) || !logGroups.every((g) => typeof g === 'string' && LOG_GROUP_GLOB.test(g)))) problems.push(`${where('access_keys')}[${i}].log_groups: a list of log group names or globs (hids-*).`);
          else accessKeys.push({ id: key['id'], secret: key['secret'], ...(profile ? { profile } : {}), ...(Array.isArray(logGroups) && logGroups.length > 0 ? { logGroups: logGroups as string[] } : {}) });
        } else problems.push(`${where('access_keys')}[${i}]: each key is {id: AKIA..., secret: ..., profile: agent|admin}, id and secret non-empty.`);
      });
    }
  }
  for (const key of accessKeys) {
    if (!/^[A-Z0-9]{16,128}$/.test(key.id)) problems.push(`access key id "${key.id}": use 16 or more upper-case letters and digits, as AWS key ids are (SDKs and agents expect that shape).`);
    const weakId = weakSecretReason(key.id, 'access key id');
    if (weakId !== undefined) problems.push(`${where('access_keys', 'HIDSMON_ACCESS_KEY_ID')}: access key id "${key.id}" ${weakId}. ${GENERATE_HINT}`);
    // The secret itself is never echoed: the message may end up in a log.
    const weak = weakSecretReason(key.secret, 'secret access key');
    if (weak !== undefined) problems.push(`${where('access_keys', 'HIDSMON_SECRET_ACCESS_KEY')}: the secret of access key ${key.id} ${weak}. ${GENERATE_HINT}`);
  }

  let apiTokens: string[] = [];
  if (env['HIDSMON_API_TOKEN'] !== undefined) apiTokens = [env['HIDSMON_API_TOKEN']];
  else if (file['api_tokens'] !== undefined) {
    const list = file['api_tokens'];
    if (Array.isArray(list) && list.every((t) => typeof t === 'string')) apiTokens = list as string[];
    else problems.push(`${where('api_tokens')}: a list of strings.`);
  }
  apiTokens.forEach((token, i) => {
    const weak = weakSecretReason(token, 'API token');
    if (weak !== undefined) problems.push(`${where('api_tokens', 'HIDSMON_API_TOKEN')}: API token ${apiTokens.length > 1 ? `${i + 1} ` : ''}${weak}. ${GENERATE_HINT}`);
  });

  let trustedNetworks = DEFAULTS.trustedNetworks;
  const trusted = env['HIDSMON_TRUSTED_NETWORKS'] !== undefined ? env['HIDSMON_TRUSTED_NETWORKS'].split(',').map((s) => s.trim()).filter(Boolean) : file['trusted_networks'];
  if (trusted !== undefined) {
    if (!Array.isArray(trusted) || !trusted.every((t) => typeof t === 'string')) problems.push(`${where('trusted_networks', 'HIDSMON_TRUSTED_NETWORKS')}: a list of CIDR blocks such as 10.0.0.0/8.`);
    else {
      for (const cidr of trusted as string[]) if (!isCidr(cidr)) problems.push(`${where('trusted_networks', 'HIDSMON_TRUSTED_NETWORKS')}: "${cidr}" is not a CIDR block (write 10.0.0.0/8, 203.0.113.7/32 or ::1/128).`);
      trustedNetworks = trusted as string[];
    }
  }

  const retentionValue = env['HIDSMON_RETENTION_DAYS'] ?? file['retention_days'] ?? DEFAULTS.retentionDays;
  const retentionDays = typeof retentionValue === 'string' && /^\d+$/.test(retentionValue) ? Number(retentionValue) : retentionValue;
  if (typeof retentionDays !== 'number' || !Number.isInteger(retentionDays) || retentionDays < 0) {
    problems.push(`${where('retention_days', 'HIDSMON_RETENTION_DAYS')}: a whole number of days (0 keeps everything).`);
  }
  const auditValue = env['HIDSMON_AUDIT_RETENTION_DAYS'] ?? file['audit_retention_days'] ?? DEFAULTS.auditRetentionDays;
  const auditRetentionDays = typeof auditValue === 'string' && /^\d+$/.test(auditValue) ? Number(auditValue) : auditValue;
  if (typeof auditRetentionDays !== 'number' || !Number.isInteger(auditRetentionDays) || auditRetentionDays < 0) {
    problems.push(`${where('audit_retention_days', 'HIDSMON_AUDIT_RETENTION_DAYS')}: a whole number of days (0 keeps everything).`);
  }
  const autoSubscribe = file['auto_subscribe'] ?? DEFAULTS.autoSubscribe;
  if (typeof autoSubscribe !== 'boolean') problems.push(`${where('auto_subscribe')}: true or false.`);
  const countCacheValue = env['HIDSMON_TEXT_COUNT_CACHE'] ?? file['text_count_cache'] ?? DEFAULTS.textCountCache;
  const textCountCache = countCacheValue === 'true' ? true : countCacheValue === 'false' ? false : countCacheValue;
  if (typeof textCountCache !== 'boolean') problems.push(`${where('text_count_cache', 'HIDSMON_TEXT_COUNT_CACHE')}: true or false.`);
  const segmentsValue = env['HIDSMON_TEXT_SEGMENTS'] ?? file['text_segments'] ?? DEFAULTS.textSegments;
  const textSegments = segmentsValue === 'true' ? true : segmentsValue === 'false' ? false : segmentsValue;
  if (typeof textSegments !== 'boolean') problems.push(`${where('text_segments', 'HIDSMON_TEXT_SEGMENTS')}: true or false.`);
  const lagValue = env['HIDSMON_HEALTH_LAG_SECONDS'] ?? file['health_lag_seconds'] ?? DEFAULTS.healthLagSeconds;
  const healthLagSeconds = typeof lagValue === 'string' && /^\d+$/.test(lagValue) ? Number(lagValue) : lagValue;
  if (typeof healthLagSeconds !== 'number' || !Number.isInteger(healthLagSeconds) || healthLagSeconds < 1) {
    problems.push(`${where('health_lag_seconds', 'HIDSMON_HEALTH_LAG_SECONDS')}: a whole number of seconds, at least 1.`);
  }
  const silentValue = env['HIDSMON_SILENT_HOST_SECONDS'] ?? file['silent_host_seconds'] ?? DEFAULTS.silentHostSeconds;
  const silentHostSeconds = typeof silentValue === 'string' && /^\d+$/.test(silentValue) ? Number(silentValue) : silentValue;
  if (typeof silentHostSeconds !== 'number' || !Number.isInteger(silentHostSeconds) || silentHostSeconds < 1) {
    problems.push(`${where('silent_host_seconds', 'HIDSMON_SILENT_HOST_SECONDS')}: a whole number of seconds, at least 1 (the agent beats every 60 s by default).`);
  }

  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  const limitsValue = file['limits'];
  if (limitsValue !== undefined && !isPlainObject(limitsValue)) problems.push(`${where('limits')}: a mapping of limits (max_clause_count: 1024, ...).`);
  else if (limitsValue !== undefined) {
    for (const key of Object.keys(limitsValue)) {
      if (!LIMIT_KEYS.some(([k]) => k === key)) problems.push(`${where(`limits.${key}`)}: unknown limit; the limits are ${LIMIT_KEYS.map(([k]) => k).join(', ')}.`);
    }
    for (const [yamlKey, key, min] of LIMIT_KEYS) {
      const value = Object.hasOwn(limitsValue, yamlKey) ? limitsValue[yamlKey] : undefined;
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) problems.push(`${where(`limits.${yamlKey}`)}: a whole number of at least ${min}.`);
      else limits[key] = value;
    }
  }

  const tls = tlsSetting(file['tls'], env, where('tls', env['HIDSMON_TLS'] !== undefined ? 'HIDSMON_TLS' : env['HIDSMON_TLS_CERT'] !== undefined ? 'HIDSMON_TLS_CERT' : 'HIDSMON_TLS_KEY'), problems);
  if (tls?.mode === 'files' && sources.checkTlsFiles) problems.push(...sources.checkTlsFiles(tls.certFile, tls.keyFile));

  const { backend, openSearch } = loadBackendSettings(file, env, sources.flags, where, problems);

  const notifications = loadNotificationSettings(file['notifications'], env, where('notifications'), problems);
  const detections = loadDetectionSettings(file['detections'], where('detections'), problems);

  if (problems.length > 0) return err(problems);
  return ok({
    host: host as string,
    port: port as number,
    dataDir: dataDir as string,
    owner,
    region: region as string,
    accessKeys,
    apiTokens,
    trustedNetworks,
    retentionDays: retentionDays as number,
    autoSubscribe: autoSubscribe as boolean,
    textCountCache: textCountCache as boolean,
    textSegments: textSegments as boolean,
    auditRetentionDays: auditRetentionDays as number,
    healthLagSeconds: healthLagSeconds as number,
    silentHostSeconds: silentHostSeconds as number,
    limits,
    ...(tls ? { tls } : {}),
    backend,
    ...(openSearch ? { openSearch } : {}),
    ...(notifications ? { notifications } : {}),
    detections,
  });
}

/**
 * `tls:` is `auto`, `{cert, key}` (paths of PEM files) or `off`; $HIDSMON_TLS (auto|off) or
 * $HIDSMON_TLS_CERT with $HIDSMON_TLS_KEY override it. Whether the files exist and match is
 * checked where files are read (apps/server/tls.ts), not here.
 */
function tlsSetting(value: unknown, env: Record<string, string | undefined>, where: string, problems: string[]): TlsSetting | undefined {
  const shape = `${where}: write "tls: auto" (a self-signed certificate in the data directory), "tls: {cert: cert.pem, key: key.pem}" (PEM files) or "tls: off".`;
  const certEnv = env['HIDSMON_TLS_CERT'];
  const keyEnv = env['HIDSMON_TLS_KEY'];
  if (certEnv !== undefined || keyEnv !== undefined) {
    if (!certEnv || !keyEnv) {
      problems.push('$HIDSMON_TLS_CERT and $HIDSMON_TLS_KEY go together: set both (PEM files), or neither.');
      return undefined;
    }
    return { mode: 'files', certFile: certEnv, keyFile: keyEnv };
  }
  const chosen = env['HIDSMON_TLS'] ?? value;
  if (chosen === undefined || chosen === false || chosen === 'off' || chosen === null) return undefined;
  if (chosen === 'auto' || chosen === true) return { mode: 'auto' };
  if (!isPlainObject(chosen)) {
    problems.push(shape);
    return undefined;
  }
  const unknown = Object.keys(chosen).filter((k) => k !== 'cert' && k !== 'key');
  if (unknown.length > 0) problems.push(`${where}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')}; tls takes cert and key (PEM files).`);
  const cert = Object.hasOwn(chosen, 'cert') ? chosen['cert'] : undefined;
  const key = Object.hasOwn(chosen, 'key') ? chosen['key'] : undefined;
  if (typeof cert !== 'string' || cert === '') problems.push(`${where}.cert: the path of the certificate's PEM file (with its chain, if any).`);
  if (typeof key !== 'string' || key === '') problems.push(`${where}.key: the path of the private key's PEM file (unencrypted, mode 600).`);
  if (typeof cert !== 'string' || typeof key !== 'string' || cert === '' || key === '' || unknown.length > 0) return undefined;
  return { mode: 'files', certFile: cert, keyFile: key };
}

function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const ip = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || !isIp(ip)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}
