/**
 * @module The forwarder transform, the heart of the blog's Lambda: a CloudWatch Logs subscription
 * delivery (`{"awslogs":{"data": base64(gzip(JSON))}}`) to the documents to index. Pure: the
 * Lambda entry and the local forwarder both call it.
 */
import { gunzipSync } from 'node:zlib';
import type { IndexedDocument } from '../core/document.js';
import { isPlainObject, type JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { isValidTimeMs } from '../core/time.js';
import { documentFromLogEvent, type DocumentOptions } from './to-document.js';

/** What CloudWatch Logs delivers, decoded (cloudwatch-logs reference §6). */
export interface SubscriptionPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  /** Checked one by one in `transformPayload`, so that one bad event does not lose the others. */
  logEvents: unknown[];
}

export type TransformErrorCode =
  | 'invalid_event' // not {"awslogs":{"data":"..."}}
  | 'invalid_base64'
  | 'invalid_gzip'
  | 'payload_too_large' // decompresses beyond maxDecompressedBytes
  | 'invalid_json'
  | 'invalid_payload'; // JSON, but not a subscription payload

export interface TransformError {
  code: TransformErrorCode;
  message: string;
}

/** An event of a delivery that could not become a document; the forwarder dead-letters it. */
export interface RejectedEvent {
  /** 0-based position in `logEvents`. */
  index: number;
  reason: string;
  event: unknown;
}

export interface TransformOutput {
  messageType: SubscriptionPayload['messageType'];
  owner: string;
  logGroup: string;
  logStream: string;
  documents: IndexedDocument[];
  rejected: RejectedEvent[];
}

export interface TransformOptions extends DocumentOptions {
  /** Guard against gzip bombs. Lambda payloads are at most 6 MB compressed; 64 MiB is ample. */
  maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** The whole Lambda-side transform: subscription event in, documents out. */
export function transformSubscriptionEvent(event: unknown, options: TransformOptions = {}): Result<TransformOutput, TransformError> {
  const payload = decodeSubscriptionEvent(event, options);
  return payload.ok ? ok(transformPayload(payload.value, options)) : payload;
}

/**
 * The decoded payload of a subscription event, not yet transformed: the Lambda entry transforms it
 * a slice of events at a time (transformPayload), so that a delivery's documents are never all alive at once.
 */
export function decodeSubscriptionEvent(event: unknown, options: TransformOptions = {}): Result<SubscriptionPayload, TransformError> {
  const awslogs = isPlainObject(event) ? event['awslogs'] : undefined;
  const data = isPlainObject(awslogs) ? awslogs['data'] : undefined;
  if (typeof data !== 'string') {
    return err({ code: 'invalid_event', message: 'Expected a CloudWatch Logs subscription event: {"awslogs":{"data":"<base64 gzip JSON>"}}.' });
  }
  return decodeSubscriptionData(data, options);
}

/** base64 → gunzip → JSON → a checked payload. Each failure is a typed error naming the problem. */
export function decodeSubscriptionData(data: string, options: TransformOptions = {}): Result<SubscriptionPayload, TransformError> {
  const compressed = Buffer.from(data, 'base64');
  // Buffer.from skips characters that are not base64, so a short result means a bad input; this
  // costs nothing, unlike a regular expression over megabytes.
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  if (data.length % 4 !== 0 || compressed.length !== (data.length / 4) * 3 - padding) {
    return err({ code: 'invalid_base64', message: `awslogs.data is not valid base64 (${data.length} characters; base64 uses A-Z a-z 0-9 + / and = padding to a multiple of 4).` });
  }
  let json: Buffer;
  try {
    json = gunzipSync(compressed, { maxOutputLength: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (error.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return err({ code: 'payload_too_large', message: `awslogs.data decompresses to more than ${options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES} bytes.` });
    }
    return err({ code: 'invalid_gzip', message: `awslogs.data is not valid gzip: ${error.message}.` });
  }
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch (e) {
    return err({ code: 'invalid_json', message: `The decompressed payload is not JSON: ${(e as Error).message}.` });
  }
  return checkPayload(value);
}

export function checkPayload(value: unknown): Result<SubscriptionPayload, TransformError> {
  if (!isPlainObject(value)) return err({ code: 'invalid_payload', message: 'The payload is not a JSON object.' });
  const { messageType, owner, logGroup, logStream, subscriptionFilters, logEvents } = value;
  if (messageType !== 'DATA_MESSAGE' && messageType !== 'CONTROL_MESSAGE') {
    return err({ code: 'invalid_payload', message: `messageType must be DATA_MESSAGE or CONTROL_MESSAGE, not ${JSON.stringify(messageType) ?? 'missing'}.` });
  }
  for (const [name, field] of [['owner', owner], ['logGroup', logGroup], ['logStream', logStream]] as const) {
    if (typeof field !== 'string') return err({ code: 'invalid_payload', message: `${name} must be a string.` });
  }
  if (!Array.isArray(logEvents)) return err({ code: 'invalid_payload', message: 'logEvents must be an array.' });
  return ok({
    messageType,
    owner: owner as string,
    logGroup: logGroup as string,
    logStream: logStream as string,
    subscriptionFilters: Array.isArray(subscriptionFilters) ? subscriptionFilters.filter((f): f is string => typeof f === 'string') : [],
    logEvents,
  });
}

/** Documents for a decoded payload. CONTROL_MESSAGE (CloudWatch's health check) gives none. */
export function transformPayload(payload: SubscriptionPayload, options: DocumentOptions = {}): TransformOutput {
  const output: TransformOutput = {
    messageType: payload.messageType,
    owner: payload.owner,
    logGroup: payload.logGroup,
    logStream: payload.logStream,
    documents: [],
    rejected: [],
  };
  if (payload.messageType === 'CONTROL_MESSAGE') return output;
  const events = payload.logEvents;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const problem = checkLogEvent(event);
    if (problem !== undefined) {
      output.rejected.push({ index: i, reason: problem, event });
      continue;
    }
    const { id, timestamp, message } = event as JsonObject;
    output.documents.push(
      documentFromLogEvent(
        {
          eventId: String(id),
          timestampMs: timestamp as number,
          message: message as string,
          owner: payload.owner,
          logGroup: payload.logGroup,
          logStream: payload.logStream,
        },
        options,
      ),
    );
  }
  return output;
}

/** CloudWatch sends string ids; moto sends integers, which are accepted. */
function checkLogEvent(event: unknown): string | undefined {
  if (!isPlainObject(event)) return 'a log event must be an object';
  const { id, timestamp, message } = event;
  if (!(typeof id === 'string' && id !== '') && !(typeof id === 'number' && Number.isSafeInteger(id))) return 'id must be a non-empty string';
  if (!isValidTimeMs(timestamp) || !Number.isInteger(timestamp)) return 'timestamp must be integer epoch milliseconds';
  if (typeof message !== 'string') return 'message must be a string';
  return undefined;
}
