/**
 * @module Request size limits, checked before a body is read whole. AWS judges a PutLogEvents
 * batch by its counted size (UTF-8 bytes of each message + 26 per event, at most 1,048,576; see
 * put-log-events.ts), not by its JSON, so the raw ceiling here must admit the largest JSON that
 * any batch within that count can take, and the counted check then gives AWS's own error.
 */
import { CloudWatchLogsError } from './errors.js';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from './put-log-events.js';

/** JSON's worst case per counted byte: a control character, 1 byte of UTF-8, is 6 bytes as `\u0000`. */
const MAX_JSON_BYTES_PER_MESSAGE_BYTE = 6;
/**
 * An event's JSON around its message: `{"timestamp":<up to 16 digits>,"message":""},` is 44 bytes;
 * 64 leaves room for clients that put a space after `:` and `,`.
 */
const MAX_EVENT_FRAMING_BYTES = 64;
/** The rest of the body: group and stream names (512 characters each, 6 bytes apiece escaped), sequence token, entity. */
const MAX_ENVELOPE_BYTES = 65_536;

/**
 * The largest uncompressed body a valid request can have: every counted byte escaped 6-fold, plus
 * framing for 10,000 events, plus the envelope = 6 × 1,048,576 + 10,000 × 64 + 65,536 = 6,996,992.
 * (An upper bound: the 26 counted bytes per event leave less room for messages than it assumes.)
 * Also the cap on what a gzip body may inflate to, which keeps a gzip bomb out.
 */
export const MAX_BODY_BYTES = MAX_JSON_BYTES_PER_MESSAGE_BYTE * MAX_BATCH_BYTES + MAX_BATCH_EVENTS * MAX_EVENT_FRAMING_BYTES + MAX_ENVELOPE_BYTES;
/**
 * The largest gzip body a valid request can have. Compression can fail to shrink (escaped control
 * characters carry little redundancy when random); deflate then stores blocks as they are, at 5
 * bytes per block of at least 16 KiB, so 0.1% plus 1 KiB for the gzip header and trailer covers it.
 */
export const MAX_COMPRESSED_BODY_BYTES = MAX_BODY_BYTES + Math.ceil(MAX_BODY_BYTES / 1000) + 1024;

/** Whether the body is gzip-encoded (`Content-Encoding: gzip`, as the CloudWatch agent sends it). */
export function isGzipEncoded(headers: Record<string, string | undefined>): boolean {
  const encoding = headerValue(headers, 'content-encoding');
  return encoding !== undefined && /^(x-)?gzip$/i.test(encoding.trim());
}

/** How many raw bytes a request may carry, given its headers. */
export function maxRawBodyBytes(headers: Record<string, string | undefined>): number {
  return isGzipEncoded(headers) ? MAX_COMPRESSED_BODY_BYTES : MAX_BODY_BYTES;
}

/**
 * Refuses a request by its Content-Length before its body is read: for servers to call first. The
 * handler checks again on the bytes it gets and while decompressing.
 */
export function checkDeclaredLength(headers: Record<string, string | undefined>): CloudWatchLogsError | undefined {
  const declared = headerValue(headers, 'content-length');
  if (declared === undefined) return undefined;
  const length = Number(declared.trim());
  if (!Number.isFinite(length) || length < 0) return undefined;
  return length > maxRawBodyBytes(headers) ? tooLarge(length, maxRawBodyBytes(headers)) : undefined;
}

export function tooLarge(bytes: number | undefined, limit: number): CloudWatchLogsError {
  const size = bytes === undefined ? `more than ${limit}` : String(bytes);
  return new CloudWatchLogsError('InvalidParameterException', `Request body too large: ${size} bytes exceeds limit of ${limit}`, 413);
}

export function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
