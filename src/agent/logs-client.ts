/**
 * @module The agent's own CloudWatch Logs client: the five calls it makes (CreateLogGroup,
 * CreateLogStream, PutLogEvents, DescribeLogGroups, DescribeLogStreams) as JSON 1.1 over
 * node:http(s) with a keep-alive agent, signed with SigV4 (signRequest). It replaces the AWS SDK in the agent,
 * whose generic serializer, middleware stack and module graph cost the agent most of its CPU per
 * batch and ~40 MB of memory (bench/agent.bench.ts). Failures are thrown with the SDK's shape
 * (`name` = the AWS exception name, `$metadata.httpStatusCode`, `$fault`, `expectedSequenceToken`),
 * so that the sender's classification reads the same; network errors are Node's own (`code`).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { defaultCredentialChain } from './credentials.js';
import { createHash, createHmac } from 'node:crypto';

export type LogsOperation = 'CreateLogGroup' | 'CreateLogStream' | 'PutLogEvents' | 'DescribeLogGroups' | 'DescribeLogStreams';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials (an instance role's) run out; they are fetched again before. */
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface LogsClientOptions {
  /** hidsmon's URL (https://host:5601), or absent for AWS itself in `region`. */
  endpoint?: string;
  region: string;
  /** Absent: the AWS default chain as credentials.ts has it (environment, shared files' keys, container, the EC2 instance role via IMDSv2). */
  credentials?: AwsCredentials | CredentialProvider;
  /** PEM text of the CA (or the self-signed certificate) to trust instead of the system's CAs. */
  ca?: string;
  /** A request that has no answer after this long fails with TimeoutError (retryable). Default 60 s. */
  timeoutMs?: number;
  /** Sockets kept open to the endpoint (batches in flight at once). Default 8. */
  maxSockets?: number;
}

/** An error the endpoint answered with, shaped as the SDK's service exceptions. */
export class LogsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';
  readonly expectedSequenceToken?: string;
  /** Set when the request's clock was off and is now corrected: try again at once. */
  readonly clockCorrected: boolean;
  constructor(name: string, message: string, status: number, extra: { expectedSequenceToken?: string; requestId?: string; clockCorrected?: boolean }) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, ...(extra.requestId ? { requestId: extra.requestId } : {}) };
    this.$fault = status >= 500 ? 'server' : 'client';
    if (extra.expectedSequenceToken !== undefined) this.expectedSequenceToken = extra.expectedSequenceToken;
    this.clockCorrected = extra.clockCorrected === true;
  }
}

/**
 * AWS Signature Version 4 of one JSON 1.1 POST (the only request the agent makes), on node:crypto:
 * the canonical request of its method, path, headers (all of them signed) and body hash, signed
 * with the key derived for the day, region and service. @smithy/signature-v4 did this before, at
 * ~6 MB of the agent's memory for its generality (bench/agent.bench.ts).
 */
export function signRequest(request: { path: string; headers: Record<string, string>; body: Buffer }, credentials: AwsCredentials, region: string, service: string, now: Date): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, ''); // 20260101T120000Z
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value.trim().replace(/\s+/g, ' ');
  const signedHeaders = names.join(';');
  const canonical = ['POST', canonicalPath(request.path), '', ...names.map((n) => `${n}:${lower[n]}`), '', signedHeaders, sha256Hex(request.body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** Each path segment URI-encoded as SigV4 wants it (RFC 3986 unreserved characters kept); the endpoint's path is `/` or a plain prefix. */
function canonicalPath(path: string): string {
  const encode = (segment: string): string => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return path
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
}

/** Exception names that say the request's time is off (the signature is then refused): the SDK corrects its clock and retries on these. */
const CLOCK_SKEW_NAMES = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure', 'RequestInTheFuture']);
const SKEW_TOLERANCE_MS = 4 * 60_000;
/** The largest answer the agent reads: PutLogEvents and Create* answers are tiny, Describe* pages small. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface LogsClient {
  /** One call; resolves with the parsed answer, rejects with LogsServiceError, a network error or TimeoutError. `body` may be pre-serialized JSON (text or UTF-8 bytes). */
  call<T = Record<string, unknown>>(operation: LogsOperation, body: object | string | Buffer, signal?: AbortSignal): Promise<T>;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

/** Reads a CA file for `ca`, with an error that names the file. */
export function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--ca: ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return text;
}

/** The regional endpoint of CloudWatch Logs (China's regions have their own domain). */
export function awsLogsEndpoint(region: string): string {
  return `https://logs.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

export function createLogsClient(options: LogsClientOptions): LogsClient {
  const url = new URL(options.endpoint ?? awsLogsEndpoint(options.region));
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') throw new Error(`endpoint ${url.href}: only http: and https: URLs are supported.`);
  const maxSockets = options.maxSockets ?? 8;
  // node:https (and with it node:tls) only for an https: endpoint: loaded for nothing it cost a
  // plain-HTTP agent a few MB of its RSS at 1,000 alerts/s (bench/agent.bench.ts).
  const tls = https ? (process.getBuiltinModule('node:https') as typeof Https) : undefined;
  const agent = tls ? new tls.Agent({ keepAlive: true, maxSockets, ...(options.ca ? { ca: options.ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets });
  const send = tls ? tls.request : httpRequest;
  const credentials: CredentialProvider =
    typeof options.credentials === 'function' ? options.credentials : options.credentials ? ((c) => async () => c)(options.credentials) : defaultCredentialChain();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const port = url.port ? Number(url.port) : undefined;
  /** Server time minus ours, learnt from a refused signature's Date header (as the SDK does). */
  let skewMs = 0;

  async function call<T>(operation: LogsOperation, body: object | string | Buffer, signal?: AbortSignal): Promise<T> {
    // Encoded once: the signature's hash, the length and the socket all take these bytes.
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const headers = signRequest(
      { path: basePath, headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${operation}`, 'content-length': String(payload.length) }, body: payload },
      await credentials(),
      options.region,
      'logs',
      new Date(Date.now() + skewMs),
    );
    const answer = await exchange(headers, payload, signal);
    if (answer.status >= 200 && answer.status < 300) return (answer.text.length > 0 ? JSON.parse(answer.text) : {}) as T;
    throw toServiceError(answer.status, answer.headers, answer.text);
  }

  function exchange(headers: Record<string, string>, payload: Buffer, signal?: AbortSignal): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const req = send({ agent, method: 'POST', hostname: url.hostname, ...(port !== undefined ? { port } : {}), path: basePath, headers, ...(signal ? { signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_RESPONSE_BYTES) return res.destroy(new Error(`the endpoint's answer exceeds ${MAX_RESPONSE_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      // No answer in time is the endpoint being away, not a refusal: the sender retries a TimeoutError.
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer from ${url.host} within ${timeoutMs} ms`), { name: 'TimeoutError' })));
      req.on('error', reject);
      req.end(payload);
    });
  }

  function toServiceError(status: number, headers: IncomingMessage['headers'], text: string): LogsServiceError {
    let parsed: { __type?: unknown; message?: unknown; Message?: unknown; expectedSequenceToken?: unknown } = {};
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) parsed = value as typeof parsed;
    } catch {
      // Not JSON (a proxy's HTML page): the status decides.
    }
    const header = headers['x-amzn-errortype'];
    const rawType = typeof parsed.__type === 'string' ? parsed.__type : typeof header === 'string' ? header : '';
    // "com.amazonaws.logs#AccessDeniedException" and "AccessDeniedException:http://..." both name AccessDeniedException.
    const name = rawType.split('#').pop()!.split(':')[0]!.trim() || `HTTP${status}`;
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : text.slice(0, 300) || `HTTP ${status}`;
    let clockCorrected = false;
    const serverDate = typeof headers.date === 'string' ? Date.parse(headers.date) : NaN;
    if (CLOCK_SKEW_NAMES.has(name) && Number.isFinite(serverDate) && Math.abs(serverDate - (Date.now() + skewMs)) > SKEW_TOLERANCE_MS) {
      skewMs = serverDate - Date.now();
      clockCorrected = true;
    }
    const requestId = headers['x-amzn-requestid'];
    return new LogsServiceError(name, message, status, {
      ...(typeof parsed.expectedSequenceToken === 'string' ? { expectedSequenceToken: parsed.expectedSequenceToken } : {}),
      ...(typeof requestId === 'string' ? { requestId } : {}),
      clockCorrected,
    });
  }

  return { call, destroy: () => agent.destroy() };
}

function abortError(): Error {
  return Object.assign(new Error('The request was aborted'), { name: 'AbortError' });
}
