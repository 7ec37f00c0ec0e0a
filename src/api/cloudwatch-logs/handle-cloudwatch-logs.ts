/**
 * @module The CloudWatch-Logs-compatible endpoint, framework-free: size limits, SigV4, the
 * `X-Amz-Target` operation, gzip bodies, JSON input, and every outcome as an AWS JSON 1.1 response.
 * It never throws: a bug becomes a 500 ServiceUnavailableException with a request id.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { AuditOutcome, AuditRecorder } from '../../core/audit.js';
import type { Admission } from '../../pipeline/admission.js';
import { verifySigV4 } from '../sigv4.js';
import type { ActionContext } from './action-context.js';
import { ActionInput } from './action-input.js';
import { baseHeaders, CloudWatchLogsError, errorResponse, serialization, signatureError, throttled } from './errors.js';
import { checkDeclaredLength, headerValue, isGzipEncoded, MAX_BODY_BYTES, maxRawBodyBytes, tooLarge } from './limits.js';
import { OPERATIONS, TARGET_PREFIX } from './operations.js';
import { authorize, type AccessKeyGrant } from './permissions.js';

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
  /** An access key's secret, principal and policy; undefined for unknown or revoked keys. */
  credentials: (accessKeyId: string) => AccessKeyGrant | undefined;
  /** Told of every action but an allowed PutLogEvents: who, from where, what, on what, and how it ended. */
  audit?: AuditRecorder;
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
  let admitted: Admission | undefined;
  try {
    nowMs = context.nowMs();
    // Throttling comes before the signature and the JSON: a refused batch is sent again, so
    // refusing it must cost next to nothing, or the retries take the CPU indexing needs.
    admitted = context.admission && isPutLogEvents(request) ? context.admission.admit(request.body.length) : undefined;
    if (admitted?.kind === 'throttle') throw throttled();
    const output = await dispatch(request, context, nowMs, requestId);
    return { status: 200, headers: baseHeaders(requestId, nowMs), body: output === undefined ? '' : JSON.stringify(output) };
  } catch (e) {
    if (e instanceof CloudWatchLogsError) return errorResponse(e, requestId, nowMs);
    try {
      context.onInternalError?.(e, requestId);
    } catch {
      // The reporter failing must not turn a 500 into a crash; the 500 below still goes out.
    }
    return errorResponse(new CloudWatchLogsError('ServiceUnavailableException', `The service cannot complete the request (request id ${requestId}).`, 500), requestId, nowMs);
  } finally {
    // Stored (or refused): its events are in the log's lag now, or nowhere.
    if (admitted?.kind === 'admit') admitted.release();
  }
}

async function dispatch(request: CloudWatchLogsRequest, context: CloudWatchLogsContext, nowMs: number, requestId: string): Promise<object | undefined> {
  const declared = checkDeclaredLength(request.headers);
  if (declared) throw declared;
  const rawLimit = maxRawBodyBytes(request.headers);
  if (request.body.length > rawLimit) throw tooLarge(request.body.length, rawLimit);

  // The grant of the key the signature names, captured when the verifier looks its secret up.
  let grant: AccessKeyGrant | undefined;
  const auth = verifySigV4({ method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body, credentials: (id) => (grant = context.credentials(id))?.secret, region: context.region, nowMs });
  if (!auth.ok || grant === undefined) throw signatureError(auth.ok ? { kind: 'unrecognized-client', message: 'The security token included in the request is invalid.' } : auth.error);
  const key = grant;

  const target = headerValue(request.headers, 'x-amz-target')?.trim() ?? '';
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const action = request.method.toUpperCase() === 'POST' ? OPERATIONS.get(operation) : undefined;
  if (!action) {
    const what = request.method.toUpperCase() !== 'POST' ? `${request.method} requests` : target === '' ? 'a request without X-Amz-Target' : `operation '${target.slice(0, 200)}'`;
    throw new CloudWatchLogsError('UnknownOperationException', `Unknown operation: hidsmon's CloudWatch Logs endpoint does not serve ${what}.`);
  }

  const body = await decodeBody(request);
  const input = ActionInput.parse(body);
  const decision = authorize(key.policy, key.principal.arn, operation, input, context);
  const record = (outcome: AuditOutcome, message?: string): void => {
    if (!context.audit) return;
    try {
      context.audit.record({
        timeMs: nowMs,
        actor: key.principal,
        ...(request.remoteAddress !== undefined ? { sourceIp: request.remoteAddress } : {}),
        action: decision.action,
        resource: decision.resource,
        outcome,
        ...(message !== undefined ? { message: message.slice(0, 500) } : {}),
        ...auditDetail(input),
        requestId,
      });
    } catch {
      // Recording must not fail the request it records; the audit log reports its own faults.
    }
  };
  if (!decision.allowed) {
    record('denied', decision.error.message);
    throw decision.error;
  }
  // PutLogEvents is the data path (thousands a minute); only its refusals are audited.
  if (operation === 'PutLogEvents') return action(input, context);
  try {
    const output = await action(input, context);
    record('allowed');
    return output;
  } catch (e) {
    record('failed', e instanceof CloudWatchLogsError ? `${e.code}: ${e.message}` : 'internal error');
    throw e;
  }
}

function isPutLogEvents(request: CloudWatchLogsRequest): boolean {
  return headerValue(request.headers, 'x-amz-target')?.trim() === `${TARGET_PREFIX}PutLogEvents`;
}

/** The few input facts an audit entry keeps (what filter, which retention); values cut short, never secrets. */
function auditDetail(input: ActionInput): { detail?: Record<string, unknown> } {
  const detail: Record<string, unknown> = {};
  for (const name of ['filterName', 'filterPattern', 'destinationArn', 'retentionInDays', 'deletionProtectionEnabled']) {
    let value: unknown;
    try {
      value = input.string(name);
    } catch {
      try {
        value = name === 'retentionInDays' ? input.integer(name, 'Integer') : input.boolean(name);
      } catch {
        value = undefined;
      }
    }
    if (typeof value === 'string') detail[name] = value.slice(0, 256);
    else if (typeof value === 'number' || typeof value === 'boolean') detail[name] = value;
  }
  return Object.keys(detail).length > 0 ? { detail } : {};
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
