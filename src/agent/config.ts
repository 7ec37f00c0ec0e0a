/**
 * @module The agent's configuration (agent.yaml): what to follow, where to ship, how; validated as a
 * whole, every problem listed with the setting it is about and what to write instead. Pure: the
 * caller reads the file and passes its text in.
 */
import { parse as parseYaml } from 'yaml';
import { isPlainObject, type JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';

export const INPUT_FORMATS = ['auto', 'ossec-json', 'wazuh-json', 'alerts-log', 'raw'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface AgentInput {
  /** A file path or a glob (`/var/ossec/logs/alerts/*.json`, `alerts/**\/ossec-alerts-*.json`). */
  path: string;
  format: InputFormat;
}

/** Where PutLogEvents goes: AWS in a region, or a URL (a hidsmon server) with the region to sign for. */
export type AgentEndpoint = { kind: 'aws'; region: string } | { kind: 'url'; url: string; region: string };

export interface AgentConfig {
  inputs: AgentInput[];
  logGroup: string;
  /** `{instance_id}` and `{hostname}` are filled in at start (see stream-name.ts). */
  logStream: string;
  endpoint: AgentEndpoint;
  /** PEM file to trust for the endpoint's TLS (a hidsmon server's self-signed certificate). */
  caFile?: string;
  /** Static keys; absent: the AWS SDK's default chain (environment, shared files, the instance's IMDS role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Checkpoints, spool and status.json live here. */
  stateDir: string;
  /** Where a file never seen before is read from. */
  startPosition: 'start' | 'end';
  /** Records wait at most this long before they are sent. */
  bufferDurationMs: number;
  /** The on-disk spool's bound; when full, reading stops until it drains. */
  spoolMaxBytes: number;
  /** A heartbeat event in the host's stream this often; 0: none. */
  heartbeatIntervalSeconds: number;
  /** When EC2 instance metadata does not answer: use the host name for `{instance_id}`, or refuse to start. */
  instanceIdFallback: 'hostname' | 'fail';
  /** Milliseconds an IMDS request may take (the agent off EC2 must not wait long). */
  imdsTimeoutMs: number;
  /** SIGTERM: how long sending what is spooled may take before the agent exits anyway (it stays spooled). */
  drainTimeoutMs: number;
}

export const AGENT_DEFAULTS = {
  logGroup: 'hids-alerts',
  logStream: '{instance_id}',
  region: 'us-east-1',
  stateDir: '/var/lib/hidsmon-agent',
  startPosition: 'start',
  bufferDurationMs: 1000,
  spoolMaxBytes: 256 * 1024 * 1024,
  heartbeatIntervalSeconds: 60,
  instanceIdFallback: 'hostname',
  imdsTimeoutMs: 1000,
  drainTimeoutMs: 10_000,
} as const;

const KEYS = [
  'inputs', 'log_group', 'log_stream', 'endpoint', 'region', 'ca_file', 'credentials', 'state_dir', 'start_position',
  'buffer_duration_ms', 'spool_max_bytes', 'heartbeat_interval_seconds', 'instance_id_fallback', 'imds_timeout_ms', 'drain_timeout_ms',
];

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** CloudWatch's log group name rule (1–512 of [.\-_/#A-Za-z0-9]). */
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export interface AgentConfigSource {
  /** The file's name, for messages, and its text. */
  name: string;
  text: string;
}

export function loadAgentConfig(source: AgentConfigSource): Result<AgentConfig, string[]> {
  const problems: string[] = [];
  let file: JsonObject = {};
  try {
    const parsed: unknown = parseYaml(source.text);
    if (isPlainObject(parsed)) file = parsed;
    else problems.push(`${source.name}: the file must be a YAML mapping of settings (inputs: ..., log_group: ...).`);
  } catch (e) {
    // Nothing else can be judged in a file that does not parse.
    return err([`${source.name}: not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  for (const key of Object.keys(file)) {
    if (!KEYS.includes(key)) problems.push(`${source.name}: unknown setting "${key}"; the settings are ${KEYS.join(', ')}.`);
  }
  const where = (key: string): string => `${source.name}: ${key}`;
  const get = (key: string): unknown => (Object.hasOwn(file, key) ? file[key] : undefined);

  const inputs: AgentInput[] = [];
  const inputsValue = get('inputs');
  if (!Array.isArray(inputsValue) || inputsValue.length === 0) {
    problems.push(`${where('inputs')}: a list of files to follow, each a path or glob, or {path, format}; for example inputs: [/var/ossec/logs/alerts/alerts.json].`);
  } else {
    inputsValue.forEach((item: unknown, i) => {
      const at = `${where('inputs')}[${i}]`;
      if (typeof item === 'string' && item !== '') inputs.push({ path: item, format: 'auto' });
      else if (isPlainObject(item)) {
        const extra = Object.keys(item).filter((k) => k !== 'path' && k !== 'format');
        if (extra.length > 0) problems.push(`${at}: unknown key ${extra.map((k) => `"${k}"`).join(', ')}; an input takes path and format.`);
        const path = item['path'];
        const format = item['format'] ?? 'auto';
        if (typeof path !== 'string' || path === '') problems.push(`${at}.path: the path or glob of the file(s) to follow.`);
        if (typeof format !== 'string' || !(INPUT_FORMATS as readonly string[]).includes(format)) problems.push(`${at}.format: one of ${INPUT_FORMATS.join(', ')}, not "${String(format)}".`);
        else if (typeof path === 'string' && path !== '' && extra.length === 0) inputs.push({ path, format: format as InputFormat });
      } else problems.push(`${at}: a path or glob, or {path, format}.`);
    });
  }

  const logGroup = get('log_group') ?? AGENT_DEFAULTS.logGroup;
  if (typeof logGroup !== 'string' || !LOG_GROUP.test(logGroup)) problems.push(`${where('log_group')}: "${String(logGroup)}" is not a log group name (1–512 of letters, digits and . - _ / #).`);

  const logStream = get('log_stream') ?? AGENT_DEFAULTS.logStream;
  if (typeof logStream !== 'string' || logStream === '') problems.push(`${where('log_stream')}: a stream name or template such as "{instance_id}" or "{hostname}/alerts".`);
  else {
    const unknown = [...logStream.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((name) => name !== 'instance_id' && name !== 'hostname');
    if (unknown.length > 0) problems.push(`${where('log_stream')}: unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; the template knows {instance_id} and {hostname}.`);
    if (/[:*]/.test(logStream.replace(/\{[^}]*\}/g, ''))) problems.push(`${where('log_stream')}: a stream name may not contain ":" or "*".`);
  }

  const regionValue = get('region');
  if (regionValue !== undefined && (typeof regionValue !== 'string' || !REGION.test(regionValue))) problems.push(`${where('region')}: "${String(regionValue)}" is not a region name such as us-east-1.`);
  const endpointValue = get('endpoint') ?? regionValue ?? AGENT_DEFAULTS.region;
  let endpoint: AgentEndpoint | undefined;
  if (typeof endpointValue === 'string' && REGION.test(endpointValue)) endpoint = { kind: 'aws', region: endpointValue };
  else if (typeof endpointValue === 'string' && /^https?:\/\//.test(endpointValue)) {
    try {
      const url = new URL(endpointValue);
      endpoint = { kind: 'url', url: url.href.replace(/\/$/, ''), region: typeof regionValue === 'string' ? regionValue : AGENT_DEFAULTS.region };
    } catch {
      problems.push(`${where('endpoint')}: "${endpointValue}" is not a URL.`);
    }
  } else problems.push(`${where('endpoint')}: an AWS region (us-east-1) or a URL such as https://hidsmon.example:5601, not "${String(endpointValue)}".`);

  const caFile = get('ca_file');
  if (caFile !== undefined && (typeof caFile !== 'string' || caFile === '')) problems.push(`${where('ca_file')}: the path of a PEM file (the hidsmon server's certificate, or its CA).`);
  if (typeof caFile === 'string' && endpoint?.kind === 'url' && endpoint.url.startsWith('http:')) problems.push(`${where('ca_file')}: given, but the endpoint is plain http; write https://.`);

  let credentials: AgentConfig['credentials'];
  const credValue = get('credentials');
  if (credValue !== undefined) {
    const shape = `${where('credentials')}: {access_key_id, secret_access_key[, session_token]}; leave it out to use the AWS default chain (environment, ~/.aws, the instance role).`;
    if (!isPlainObject(credValue)) problems.push(shape);
    else {
      const extra = Object.keys(credValue).filter((k) => !['access_key_id', 'secret_access_key', 'session_token'].includes(k));
      const id = credValue['access_key_id'];
      const secret = credValue['secret_access_key'];
      const token = credValue['session_token'];
      if (extra.length > 0 || typeof id !== 'string' || id === '' || typeof secret !== 'string' || secret === '' || (token !== undefined && typeof token !== 'string')) problems.push(shape);
      else credentials = { accessKeyId: id, secretAccessKey: secret, ...(typeof token === 'string' ? { sessionToken: token } : {}) };
    }
  }

  const stateDir = get('state_dir') ?? AGENT_DEFAULTS.stateDir;
  if (typeof stateDir !== 'string' || stateDir === '') problems.push(`${where('state_dir')}: a directory for checkpoints and the spool (default ${AGENT_DEFAULTS.stateDir}).`);

  const startPosition = get('start_position') ?? AGENT_DEFAULTS.startPosition;
  if (startPosition !== 'start' && startPosition !== 'end') problems.push(`${where('start_position')}: start (ship a new file from its beginning) or end (only what is appended), not "${String(startPosition)}".`);

  const whole = (key: string, fallback: number, min: number, what: string): number => {
    const value = get(key) ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`${where(key)}: ${what}, a whole number of at least ${min}, not "${String(value)}".`);
      return fallback;
    }
    return value;
  };
  const bufferDurationMs = whole('buffer_duration_ms', AGENT_DEFAULTS.bufferDurationMs, 1, 'milliseconds records may wait before they are sent');
  const spoolMaxBytes = whole('spool_max_bytes', AGENT_DEFAULTS.spoolMaxBytes, 1024 * 1024, 'bytes of the on-disk spool');
  const heartbeatIntervalSeconds = whole('heartbeat_interval_seconds', AGENT_DEFAULTS.heartbeatIntervalSeconds, 0, 'seconds between heartbeats (0: none)');
  const imdsTimeoutMs = whole('imds_timeout_ms', AGENT_DEFAULTS.imdsTimeoutMs, 1, 'milliseconds an instance metadata request may take');
  const drainTimeoutMs = whole('drain_timeout_ms', AGENT_DEFAULTS.drainTimeoutMs, 0, 'milliseconds a stop may spend sending what is spooled');

  const fallback = get('instance_id_fallback') ?? AGENT_DEFAULTS.instanceIdFallback;
  if (fallback !== 'hostname' && fallback !== 'fail') problems.push(`${where('instance_id_fallback')}: hostname (use the host name when instance metadata does not answer) or fail (refuse to start), not "${String(fallback)}".`);

  if (problems.length > 0 || !endpoint) return err(problems);
  return ok({
    inputs,
    logGroup: logGroup as string,
    logStream: logStream as string,
    endpoint,
    ...(typeof caFile === 'string' ? { caFile } : {}),
    ...(credentials ? { credentials } : {}),
    stateDir: stateDir as string,
    startPosition: startPosition as 'start' | 'end',
    bufferDurationMs,
    spoolMaxBytes,
    heartbeatIntervalSeconds,
    instanceIdFallback: fallback as 'hostname' | 'fail',
    imdsTimeoutMs,
    drainTimeoutMs,
  });
}
