/**
 * @module `backend:` and `opensearch:` in hidsmon.yaml (with $HIDSMON_BACKEND, $HIDSMON_OPENSEARCH_*
 * and the `--backend` / `--opensearch-url` flags over them): which index the query API searches, and
 * the OpenSearch cluster that `arn:hidsmon:sink:opensearch` writes to. Pure, like server-config.ts.
 */
import { isPlainObject } from '../core/paths.js';

export type Backend = 'embedded' | 'opensearch';

/** The same shape as OpenSearchAuth in sinks/opensearch/connection.ts (config does not import sinks). */
export type OpenSearchAuthSetting = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'sigv4'; service: 'es' | 'aoss'; region: string };

export interface OpenSearchSettings {
  /** `http(s)://host[:port]`, without credentials, query or fragment. */
  url: string;
  /** Daily indices are `<prefix>YYYY.MM.DD` (default `cwl-`, the blog's). */
  indexPrefix: string;
  /** Absent: the connection's default (SigV4 for an AWS endpoint, else none). */
  auth?: OpenSearchAuthSetting;
  /** The largest `_bulk` request body (default: the sink's, 5 MiB). */
  maxBulkBytes?: number;
  /** Daily OpenSearch indices older than this are deleted; 0 keeps everything (default: `retention_days`). */
  retentionDays?: number;
}

export interface BackendFlags {
  backend?: string;
  openSearchUrl?: string;
}

const KEYS = ['url', 'index_prefix', 'auth', 'max_bulk_bytes', 'retention_days'];
const AUTH_KEYS = ['type', 'username', 'password', 'service', 'region'];
/** Lucene refuses upper case and these in index names; the prefix also becomes a template pattern. */
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,100}$/;
/** Small AWS instance types take 10 MiB per request; below 64 KiB one alert may not fit. */
const MIN_BULK_BYTES = 64 * 1024;
const MAX_BULK_BYTES = 100 * 1024 * 1024;

const CONFIGURE_HINT = 'set opensearch.url in hidsmon.yaml, $HIDSMON_OPENSEARCH_URL or --opensearch-url';

/**
 * Reads the settings; `where(key, env)` names a setting as server-config.ts does. Problems go to
 * `problems`; the result is what is valid of it.
 */
export function loadBackendSettings(
  file: Record<string, unknown>,
  env: Record<string, string | undefined>,
  flags: BackendFlags | undefined,
  where: (key: string, env?: string) => string,
  problems: string[],
): { backend: Backend; openSearch?: OpenSearchSettings } {
  const backendValue = flags?.backend ?? env['HIDSMON_BACKEND'] ?? file['backend'] ?? 'embedded';
  const backendWhere = flags?.backend !== undefined ? '--backend' : where('backend', 'HIDSMON_BACKEND');
  let backend: Backend = 'embedded';
  if (backendValue === 'embedded' || backendValue === 'opensearch') backend = backendValue;
  else problems.push(`${backendWhere}: "${String(backendValue)}" is not a backend; use embedded (DuckDB in the data directory, the default) or opensearch (an OpenSearch cluster: ${CONFIGURE_HINT}).`);

  const section = file['opensearch'];
  if (section !== undefined && section !== null && !isPlainObject(section)) {
    problems.push(`${where('opensearch')}: a mapping such as {url: https://search.example:9200, index_prefix: cwl-}.`);
    return { backend };
  }
  const os = (section ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(os)) if (!KEYS.includes(key)) problems.push(`${where(`opensearch.${key}`)}: unknown setting; opensearch takes ${KEYS.join(', ')}.`);
  const own = (key: string): unknown => (Object.hasOwn(os, key) ? os[key] : undefined);

  const urlValue = flags?.openSearchUrl ?? env['HIDSMON_OPENSEARCH_URL'] ?? own('url');
  const urlWhere = flags?.openSearchUrl !== undefined ? '--opensearch-url' : where('opensearch.url', 'HIDSMON_OPENSEARCH_URL');
  const before = problems.length;
  if (urlValue === undefined || urlValue === '') {
    if (backend === 'opensearch') problems.push(`${backendWhere}: the opensearch backend needs the cluster's URL: ${CONFIGURE_HINT} (such as http://127.0.0.1:9200).`);
    for (const key of Object.keys(os)) if (key !== 'url') problems.push(`${where(`opensearch.${key}`)}: set without opensearch.url; ${CONFIGURE_HINT}, or remove it.`);
    return { backend };
  }
  const url = checkUrl(urlValue, urlWhere, problems);

  const prefixValue = env['HIDSMON_OPENSEARCH_INDEX_PREFIX'] ?? own('index_prefix') ?? 'cwl-';
  if (typeof prefixValue !== 'string' || !INDEX_PREFIX.test(prefixValue)) {
    problems.push(`${where('opensearch.index_prefix', 'HIDSMON_OPENSEARCH_INDEX_PREFIX')}: "${String(prefixValue)}" is not an index name prefix; use lower-case letters, digits and - _ . (such as cwl-), starting with a letter or digit.`);
  }
  const auth = authSetting(own('auth'), url, env, where('opensearch.auth'), problems);
  const maxBulkBytes = wholeNumber(own('max_bulk_bytes'), where('opensearch.max_bulk_bytes'), MIN_BULK_BYTES, MAX_BULK_BYTES, problems, ' (5242880 is 5 MiB; small AWS instance types take at most 10 MiB)');
  const retentionDays = wholeNumber(env['HIDSMON_OPENSEARCH_RETENTION_DAYS'] ?? own('retention_days'), where('opensearch.retention_days', 'HIDSMON_OPENSEARCH_RETENTION_DAYS'), 0, Number.MAX_SAFE_INTEGER, problems, ' of days (0 keeps everything)');
  if (problems.length > before || url === undefined) return { backend };
  return {
    backend,
    openSearch: {
      url,
      indexPrefix: prefixValue as string,
      ...(auth ? { auth } : {}),
      ...(maxBulkBytes !== undefined ? { maxBulkBytes } : {}),
      ...(retentionDays !== undefined ? { retentionDays } : {}),
    },
  };
}

/** An http(s) URL of a node or an endpoint; credentials in it would be logged and shown, so they are refused. */
function checkUrl(value: unknown, where: string, problems: string[]): string | undefined {
  const shape = 'write it as http://host:9200 or https://search-domain.region.es.amazonaws.com';
  if (typeof value !== 'string') {
    problems.push(`${where}: a URL; ${shape}.`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${where}: "${value}" is not a URL; ${shape}.`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${where}: "${value}" is not an http or https URL; ${shape}.`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    // The value itself is not echoed: it holds a password.
    problems.push(`${where}: the URL holds a user name or password, which would be logged; put them in opensearch.auth ({type: basic, username: ...}, the password in $HIDSMON_OPENSEARCH_PASSWORD).`);
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    problems.push(`${where}: "${value}" has a query or fragment; ${shape}.`);
    return undefined;
  }
  // `new URL` keeps a bare origin's "/": the client adds paths to it.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * `auth:` is `none`, `basic`, `sigv4`, or a mapping `{type, username, password, service, region}`.
 * The basic password may come from $HIDSMON_OPENSEARCH_PASSWORD (so it need not be in the file);
 * SigV4 takes its credentials from the AWS default chain, its region and service from the mapping or
 * (when left out) from the endpoint's host name.
 */
function authSetting(value: unknown, url: string | undefined, env: Record<string, string | undefined>, where: string, problems: string[]): OpenSearchAuthSetting | undefined {
  const shape = `${where}: none, basic ({type: basic, username: ..., password from $HIDSMON_OPENSEARCH_PASSWORD}) or sigv4 ({type: sigv4, service: es|aoss, region: us-east-1}).`;
  if (value === undefined || value === null) return undefined;
  const spec: Record<string, unknown> | undefined = typeof value === 'string' ? { type: value } : isPlainObject(value) ? value : undefined;
  if (!spec) {
    problems.push(shape);
    return undefined;
  }
  const own = (key: string): unknown => (Object.hasOwn(spec, key) ? spec[key] : undefined);
  for (const key of Object.keys(spec)) if (!AUTH_KEYS.includes(key)) problems.push(`${where}.${key}: unknown; auth takes ${AUTH_KEYS.join(', ')}.`);
  const type = own('type');
  if (type === 'none') return { kind: 'none' };
  if (type === 'basic') {
    const username = env['HIDSMON_OPENSEARCH_USERNAME'] ?? own('username');
    const password = env['HIDSMON_OPENSEARCH_PASSWORD'] ?? own('password');
    if (typeof username !== 'string' || username === '') problems.push(`${where}.username: the user name for HTTP basic authentication (or $HIDSMON_OPENSEARCH_USERNAME).`);
    if (typeof password !== 'string' || password === '') problems.push(`${where}.password: set $HIDSMON_OPENSEARCH_PASSWORD (or password: in the file, readable by the server's user only).`);
    return typeof username === 'string' && typeof password === 'string' && username !== '' && password !== '' ? { kind: 'basic', username, password } : undefined;
  }
  if (type === 'sigv4') {
    const endpoint = url ? awsEndpoint(new URL(url).hostname) : undefined;
    const service = own('service') ?? endpoint?.service ?? 'es';
    const region = own('region') ?? endpoint?.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
    if (service !== 'es' && service !== 'aoss') problems.push(`${where}.service: es (Amazon OpenSearch Service) or aoss (OpenSearch Serverless).`);
    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`${where}.region: the AWS region of the domain, such as us-east-1 (or $AWS_REGION).`);
    return (service === 'es' || service === 'aoss') && typeof region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? { kind: 'sigv4', service, region } : undefined;
  }
  problems.push(shape);
  return undefined;
}

/**
 * `search-x.us-east-1.es.amazonaws.com` → es in us-east-1; `x.us-east-1.aoss.amazonaws.com` → aoss.
 * The same reading as awsEndpointAuth in sinks/opensearch/connection.ts, which config cannot
 * import (it loads the AWS SDK); server-config.opensearch.test.ts checks that the two agree.
 */
export function awsEndpoint(host: string): { service: 'es' | 'aoss'; region: string } | undefined {
  const m = /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(es|aoss)\.amazonaws\.com(?:\.cn)?$/.exec(host.toLowerCase());
  return m ? { region: m[1] as string, service: m[2] as 'es' | 'aoss' } : undefined;
}

function wholeNumber(value: unknown, where: string, min: number, max: number, problems: string[], unit: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${where}: a whole number${unit}, from ${min} to ${max}.`);
    return undefined;
  }
  return n;
}
