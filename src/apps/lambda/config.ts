/**
 * @module The Lambda forwarder's configuration, read from the function's environment variables
 * and checked at once, so that a wrong setting fails the first invocation with a message naming
 * the variable instead of misbehaving later. Pure: the environment comes in as an argument.
 *
 * | variable (alias) | meaning |
 * |---|---|
 * | `OPENSEARCH_ENDPOINT` (the blog's `ES_ENDPOINT`, `HIDSMON_OPENSEARCH_URL`) | `https://search-x.eu-west-1.es.amazonaws.com`; a bare host name gets `https://` |
 * | `INDEX_PREFIX` (`HIDSMON_OPENSEARCH_INDEX_PREFIX`) | daily indices `<prefix>YYYY.MM.DD` (default `cwl-`) |
 * | `DEAD_LETTER_QUEUE_URL` (`HIDSMON_DEAD_LETTER_QUEUE_URL`) | an SQS queue for rejected documents and corrupt payloads, or |
 * | `DEAD_LETTER_S3_URI` (`HIDSMON_DEAD_LETTER_S3_URI`) | `s3://bucket/prefix/` for the same, as NDJSON objects |
 * | `MAX_BULK_BYTES` (`HIDSMON_OPENSEARCH_MAX_BULK_BYTES`) | upper bound of one `_bulk` body (default 5 MiB; the domain's payload cap is 10 MiB on small instance types) |
 * | `OPENSEARCH_REPLICAS` (`HIDSMON_OPENSEARCH_REPLICAS`) | replicas in the index template (default: 1 where the cluster has more than one data node, else 0) |
 * | `OPENSEARCH_REQUEST_TIMEOUT_MS` | per request (default 30 000) |
 * | `OPENSEARCH_SIGV4_SERVICE` | `es` or `aoss`, for a custom domain name (an `*.es.amazonaws.com` / `*.aoss.amazonaws.com` host is signed without it) |
 * | `LOG_LEVEL` (`HIDSMON_LOG_LEVEL`) | pino level (default `info`: one line per invocation) |
 * | `AWS_REGION` | set by Lambda; the region for SigV4 on a custom domain name, and for SQS and S3 |
 *
 * The `HIDSMON_*` names are the ones the CDK app (infra/) sets; where both are set, the first wins.
 */
import { err, ok, type Result } from '../../core/result.js';
import type { OpenSearchAuth } from '../../sinks/opensearch/connection.js';

export type DeadLetterTarget = { kind: 'sqs'; queueUrl: string } | { kind: 's3'; bucket: string; prefix: string };

export interface LambdaForwarderConfig {
  url: string;
  indexPrefix: string;
  /** Undefined: chosen from the endpoint (SigV4 for AWS hosts, none for others). */
  auth?: OpenSearchAuth;
  deadLetters: DeadLetterTarget;
  maxBulkBytes: number;
  requestTimeoutMs: number;
  region?: string;
  /** Undefined: from the cluster's data nodes (index-template.ts). */
  replicas?: number;
  logLevel: string;
}

export const DEFAULT_LAMBDA_MAX_BULK_BYTES = 5 * 1024 * 1024;
const MIN_BULK_BYTES = 64 * 1024;
const MAX_BULK_BYTES = 100 * 1024 * 1024;
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,100}$/;

/** Every problem of the environment, in one message, or the configuration. */
export function lambdaConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Result<LambdaForwarderConfig, string> {
  const problems: string[] = [];
  const set = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };

  const endpoint = set('OPENSEARCH_ENDPOINT', 'ES_ENDPOINT', 'HIDSMON_OPENSEARCH_URL');
  let url = '';
  if (endpoint === undefined) problems.push('OPENSEARCH_ENDPOINT (or ES_ENDPOINT) is not set: the OpenSearch endpoint, such as https://search-hids-abc.eu-west-1.es.amazonaws.com.');
  else {
    // The blog's ES_ENDPOINT is a bare host name.
    const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
    try {
      const parsed = new URL(candidate);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
      if (parsed.username !== '' || parsed.password !== '') throw new Error('credentials in the URL');
      url = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
    } catch (e) {
      problems.push(`OPENSEARCH_ENDPOINT "${endpoint}" is not an http(s) endpoint without credentials (${(e as Error).message}).`);
    }
  }

  const indexPrefix = set('INDEX_PREFIX', 'HIDSMON_OPENSEARCH_INDEX_PREFIX') ?? 'cwl-';
  if (!INDEX_PREFIX.test(indexPrefix)) problems.push(`INDEX_PREFIX "${indexPrefix}" is not an index name prefix; use lower-case letters, digits and - _ . (such as cwl-), starting with a letter or digit.`);

  const queueUrl = set('DEAD_LETTER_QUEUE_URL', 'HIDSMON_DEAD_LETTER_QUEUE_URL');
  const s3Uri = set('DEAD_LETTER_S3_URI', 'HIDSMON_DEAD_LETTER_S3_URI');
  let deadLetters: DeadLetterTarget | undefined;
  if (queueUrl !== undefined && s3Uri !== undefined) problems.push('Set one of DEAD_LETTER_QUEUE_URL and DEAD_LETTER_S3_URI, not both.');
  else if (queueUrl !== undefined) {
    if (/^https?:\/\/\S+$/.test(queueUrl)) deadLetters = { kind: 'sqs', queueUrl };
    else problems.push(`DEAD_LETTER_QUEUE_URL "${queueUrl}" is not a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>).`);
  } else if (s3Uri !== undefined) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(s3Uri);
    if (m) {
      const prefix = m[2] ?? '';
      deadLetters = { kind: 's3', bucket: m[1] as string, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
    } else problems.push(`DEAD_LETTER_S3_URI "${s3Uri}" is not s3://bucket/prefix/.`);
  } else {
    // Without one, a rejected alert would be lost: the blog's function lost it by failing the batch.
    problems.push('Set DEAD_LETTER_QUEUE_URL (an SQS queue) or DEAD_LETTER_S3_URI (s3://bucket/prefix/): documents OpenSearch rejects for good go there.');
  }

  const maxBulkBytes = wholeNumber(set('MAX_BULK_BYTES', 'HIDSMON_OPENSEARCH_MAX_BULK_BYTES'), 'MAX_BULK_BYTES', MIN_BULK_BYTES, MAX_BULK_BYTES, DEFAULT_LAMBDA_MAX_BULK_BYTES, problems);
  const requestTimeoutMs = wholeNumber(set('OPENSEARCH_REQUEST_TIMEOUT_MS'), 'OPENSEARCH_REQUEST_TIMEOUT_MS', 1_000, 900_000, 30_000, problems);

  const replicasText = set('OPENSEARCH_REPLICAS', 'HIDSMON_OPENSEARCH_REPLICAS');
  const replicas = replicasText === undefined ? undefined : wholeNumber(replicasText, 'OPENSEARCH_REPLICAS', 0, 10, 0, problems);
  const logLevel = set('LOG_LEVEL', 'HIDSMON_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`LOG_LEVEL "${logLevel}" must be one of fatal, error, warn, info, debug, trace, silent.`);

  const region = set('AWS_REGION', 'AWS_DEFAULT_REGION');
  const service = set('OPENSEARCH_SIGV4_SERVICE');
  let auth: OpenSearchAuth | undefined;
  if (service !== undefined) {
    if (service !== 'es' && service !== 'aoss') problems.push(`OPENSEARCH_SIGV4_SERVICE "${service}" must be es (managed domains) or aoss (Serverless).`);
    else if (region === undefined) problems.push('OPENSEARCH_SIGV4_SERVICE needs AWS_REGION (Lambda sets it).');
    else auth = { kind: 'sigv4', service, region };
  }

  if (problems.length > 0 || deadLetters === undefined) return err(`The forwarder function is misconfigured: ${problems.join(' ')}`);
  return ok({ url, indexPrefix, ...(auth ? { auth } : {}), deadLetters, maxBulkBytes, requestTimeoutMs, ...(region ? { region } : {}), ...(replicas !== undefined ? { replicas } : {}), logLevel });
}

function wholeNumber(value: string | undefined, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${name} "${value}" must be a whole number from ${min} to ${max}.`);
    return fallback;
  }
  return n;
}
