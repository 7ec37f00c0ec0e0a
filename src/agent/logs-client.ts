/**
 * @module The agent's own CloudWatch Logs client: the five calls it makes (CreateLogGroup,
 * CreateLogStream, PutLogEvents, DescribeLogGroups, DescribeLogStreams) as JSON 1.1 over
 * node:http(s) with a keep-alive agent, signed with SigV4. It replaces the AWS SDK in the agent,
 * whose generic serializer, middleware stack and module graph cost the agent most of its CPU per
 * batch and ~40 MB of memory (bench/agent.bench.ts). Failures are thrown with the SDK's shape
 * (`name` = the AWS exception name, `$metadata.httpStatusCode`, `$fault`, `expectedSequenceToken`),
 * so that the sender's classification reads the same; network errors are Node's own (`code`).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

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
  /** Absent: the AWS default chain (environment, shared config and credentials files, SSO, the EC2 instance role via IMDS). */
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

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): Buffer | string =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 (with a key: HMAC-SHA-256) on node:crypto, in the shape SignatureV4 takes. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** Exception names that say the request's time is off (the signature is then refused): the SDK corrects its clock and retries on these. */
const CLOCK_SKEW_NAMES = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure', 'RequestInTheFuture']);
const SKEW_TOLERANCE_MS = 4 * 60_000;
/** The largest answer the agent reads: PutLogEvents and Create* answers are tiny, Describe* pages small. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface LogsClient {
  /** One call; resolves with the parsed answer, rejects with LogsServiceError, a network error or TimeoutError. `body` may be pre-serialized JSON. */
  call<T = Record<string, unknown>>(operation: LogsOperation, body: object | string, signal?: AbortSignal): Promise<T>;
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

/** The AWS default credential chain, loaded only when asked for (most of the SDK's credential code is never needed with keys in the config). */
export function defaultCredentialChain(): CredentialProvider {
  let provider: Promise<CredentialProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider() as CredentialProvider);
    return (await provider)();
  };
}

export function createLogsClient(options: LogsClientOptions): LogsClient {
  const url = new URL(options.endpoint ?? awsLogsEndpoint(options.region));
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') throw new Error(`endpoint ${url.href}: only http: and https: URLs are supported.`);
  const maxSockets = options.maxSockets ?? 8;
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets, ...(options.ca ? { ca: options.ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets });
  const send = https ? httpsRequest : httpRequest;
  const credentials: CredentialProvider =
    typeof options.credentials === 'function' ? options.credentials : options.credentials ? ((c) => async () => c)(options.credentials) : defaultCredentialChain();
  const signer = new SignatureV4({ credentials, region: options.region, service: 'logs', sha256: NodeSha256, applyChecksum: false });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const port = url.port ? Number(url.port) : undefined;
  /** Server time minus ours, learnt from a refused signature's Date header (as the SDK does). */
  let skewMs = 0;

  async function call<T>(operation: LogsOperation, body: object | string, signal?: AbortSignal): Promise<T> {
    // Encoded once: the signature's hash, the length and the socket all take these bytes.
    const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(port !== undefined ? { port } : {}),
        path: basePath,
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `Logs_20140328.${operation}`,
          'content-length': String(payload.length),
        },
        body: payload,
      },
      { signingDate: new Date(Date.now() + skewMs) },
    );
    const { status, headers, text } = await exchange(signed.headers, payload, signal);
    if (status >= 200 && status < 300) return (text.length > 0 ? JSON.parse(text) : {}) as T;
    throw toServiceError(status, headers, text);
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
