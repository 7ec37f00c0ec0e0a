/**
 * @module The CloudWatch-Logs-compatible endpoint, framework-free: size limits, SigV4, the
 * `X-Amz-Target` operation, gzip bodies, JSON input, and every outcome as an AWS JSON 1.1 response.
 * It never throws: a bug becomes a 500 ServiceUnavailableException with a request id.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { verifySigV4 } from '../sigv4.js';
import type { ActionContext } from './action-context.js';
import { ActionInput } from './action-input.js';
import { baseHeaders, CloudWatchLogsError, errorResponse, serialization, signatureError } from './errors.js';
import { checkDeclaredLength, headerValue, isGzipEncoded, MAX_BODY_BYTES, maxRawBodyBytes, tooLarge } from './limits.js';
import { OPERATIONS, TARGET_PREFIX } from './operations.js';

const gunzipAsync = promisify(gunzip);

export interface CloudWatchLogsRequest {
  method: string;
  /** The path as received (percent-encoded), without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string | undefined>;
  /** The body bytes as received (compressed when `Content-Encoding: gzip`). */
  body: Buffer;
  remoteAddress?: string;
}

export interface CloudWatchLogsContext extends ActionContext {
  /** The secret of an access key id, undefined for unknown keys. */
  credentials: (accessKeyId: string) => string | undefined;
  /** Told about bugs turned into 500s, to log them (the client only sees the request id). */
  onInternalError?: (error: unknown, requestId: string) => void;
}

export interface CloudWatchLogsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function handleCloudWatchLogs(request: CloudWatchLogsRequest, context: CloudWatchLogsContext): Promise<CloudWatchLogsResponse> {
  const requestId = randomUUID();
  let nowMs = Date.now();
  try {
    nowMs = context.nowMs();
    const output = await dispatch(request, context, nowMs);
    return { status: 200, headers: baseHeaders(requestId, nowMs), body: output === undefined ? '' : JSON.stringify(output) };
  } catch (e) {
    if (e instanceof CloudWatchLogsError) return errorResponse(e, requestId, nowMs);
    try {
      context.onInternalError?.(e, requestId);
    } catch {
      // The reporter failing must not turn a 500 into a crash; the 500 below still goes out.
    }
    return errorResponse(new CloudWatchLogsError('ServiceUnavailableException', `The service cannot complete the request (request id ${requestId}).`, 500), requestId, nowMs);
  }
}

async function dispatch(request: CloudWatchLogsRequest, context: CloudWatchLogsContext, nowMs: number): Promise<object | undefined> {
  const declared = checkDeclaredLength(request.headers);
  if (declared) throw declared;
  const rawLimit = maxRawBodyBytes(request.headers);
  if (request.body.length > rawLimit) throw tooLarge(request.body.length, rawLimit);

  const auth = verifySigV4({ method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body, credentials: context.credentials, nowMs });
  if (!auth.ok) throw signatureError(auth.error);

  const target = headerValue(request.headers, 'x-amz-target')?.trim() ?? '';
  const action = request.method.toUpperCase() === 'POST' && target.startsWith(TARGET_PREFIX) ? OPERATIONS.get(target.slice(TARGET_PREFIX.length)) : undefined;
  if (!action) {
    const what = request.method.toUpperCase() !== 'POST' ? `${request.method} requests` : target === '' ? 'a request without X-Amz-Target' : `operation '${target.slice(0, 200)}'`;
    throw new CloudWatchLogsError('UnknownOperationException', `Unknown operation: hidsmon's CloudWatch Logs endpoint does not serve ${what}.`);
  }

  const body = await decodeBody(request);
  return action(ActionInput.parse(body), context);
}

async function decodeBody(request: CloudWatchLogsRequest): Promise<string> {
  const encoding = headerValue(request.headers, 'content-encoding')?.trim().toLowerCase();
  let bytes = request.body;
  if (isGzipEncoded(request.headers)) {
    try {
      bytes = await gunzipAsync(request.body, { maxOutputLength: MAX_BODY_BYTES });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(undefined, MAX_BODY_BYTES);
      throw serialization('The request body is not valid gzip data.');
    }
  } else if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw serialization(`Content-Encoding '${encoding.slice(0, 64)}' is not supported; use gzip or none.`);
  }
  // Invalid UTF-8 decodes to U+FFFD here, as a JSON parser reading bytes would refuse or replace it.
  return bytes.toString('utf8');
}
