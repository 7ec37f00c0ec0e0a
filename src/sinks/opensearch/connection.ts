/**
 * @module The OpenSearch connection: one client (@opensearch-project/opensearch) for the sink, the
 * search backend and retention, with no auth, basic auth, or SigV4 (Amazon OpenSearch Service `es`,
 * Serverless `aoss`), chosen from the endpoint when not given.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { indexNameForTime, timeOfIndexName } from '../../core/time.js';

export type OpenSearchAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'sigv4'; service: 'es' | 'aoss'; region: string };

export interface OpenSearchConnectionOptions {
  /** `http(s)://host:port`; a trailing slash is fine. */
  url: string;
  /** Default `cwl-`: daily indices `${indexPrefix}YYYY.MM.DD`, template `${indexPrefix}template` for `${indexPrefix}*`. */
  indexPrefix?: string;
  /** Default: SigV4 when the host is an AWS endpoint (region and service from the host name), else none. */
  auth?: OpenSearchAuth;
  /** Per request (default 30 s). */
  requestTimeoutMs?: number;
}

export const DEFAULT_INDEX_PREFIX = 'cwl-';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** `search-x-abc.eu-west-1.es.amazonaws.com`, `abc.us-east-1.aoss.amazonaws.com` (also `.amazonaws.com.cn`). */
const AWS_ENDPOINT = /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(es|aoss)\.amazonaws\.com(?:\.cn)?$/;

/** SigV4 settings for an AWS endpoint's host name, or undefined for any other host. */
export function awsEndpointAuth(url: string): Extract<OpenSearchAuth, { kind: 'sigv4' }> | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const m = AWS_ENDPOINT.exec(host);
  return m ? { kind: 'sigv4', region: m[1] as string, service: m[2] as 'es' | 'aoss' } : undefined;
}

/** The auth a connection uses: the one asked for, else SigV4 for AWS endpoints, else none. */
export function resolveAuth(options: OpenSearchConnectionOptions): OpenSearchAuth {
  return options.auth ?? awsEndpointAuth(options.url) ?? { kind: 'none' };
}

export function indexPrefixOf(options: { indexPrefix?: string }): string {
  return options.indexPrefix ?? DEFAULT_INDEX_PREFIX;
}

/** The pattern of every daily index: `${prefix}*`. */
export function indexPattern(options: { indexPrefix?: string }): string {
  return `${indexPrefixOf(options)}*`;
}

/** The daily index of a time: `${prefix}YYYY.MM.DD` (UTC), the name documentIdentity gives. */
export function dailyIndexName(prefix: string, timeMs: number): string {
  return indexNameForTime(timeMs, prefix);
}

/**
 * The cluster's name of a daily index. Documents are named `cwl-YYYY.MM.DD` by documentIdentity
 * (the forwarder uses the default prefix); under another prefix the day is kept and the prefix
 * replaced. A name already under `prefix` is kept. Undefined for a name that is no daily index.
 */
export function physicalDailyIndex(prefix: string, name: string): string | undefined {
  if (timeOfIndexName(name, prefix) !== undefined) return name;
  if (timeOfIndexName(name, DEFAULT_INDEX_PREFIX) !== undefined) return `${prefix}${name.slice(DEFAULT_INDEX_PREFIX.length)}`;
  return undefined;
}

/**
 * A client for `options`. The client's own retries are off (`maxRetries: 0`): retrying is the
 * pipeline's one retry policy (pipeline/retry.ts), applied by the callers, so a request is never
 * retried twice over by two layers.
 */
export function openSearchClient(options: OpenSearchConnectionOptions): Client {
  const auth = resolveAuth(options);
  const base: ClientOptions = {
    node: options.url.replace(/\/+$/, ''),
    maxRetries: 0,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Alert fields are data, and `__proto__` or `constructor` is a field name like any other (read
    // with own-key helpers, core/own-keys.ts). The client's default refuses a whole response that
    // holds such a key (secure-json-parse: "Object contains forbidden prototype property"): one
    // alert with one made every search and the field catalog (its mapping) fail with a 500.
    // JSON.parse makes such a key an own data property, which sets no prototype.
    disablePrototypePoisoningProtection: true,
  };
  switch (auth.kind) {
    case 'none':
      return new Client(base);
    case 'basic':
      return new Client({ ...base, auth: { username: auth.username, password: auth.password } });
    case 'sigv4': {
      // The default chain: env, shared files, SSO, container and instance roles, as the AWS CLI.
      const provider = defaultProvider();
      return new Client({ ...base, ...AwsSigv4Signer({ region: auth.region, service: auth.service, getCredentials: () => provider() }) });
    }
  }
}
