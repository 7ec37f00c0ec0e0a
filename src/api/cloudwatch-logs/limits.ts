/**
 * @module Request size limits, checked before a body is read whole. PutLogEvents carries at most
 * 1,048,576 bytes of messages; as JSON with escapes that can grow a few times, and compressed it
 * stays near its entropy, so 1.5 MB compressed and 10 MB plain cover every valid request.
 */
import { CloudWatchLogsError } from './errors.js';

export const MAX_COMPRESSED_BODY_BYTES = 1_572_864;
export const MAX_BODY_BYTES = 10_485_760;

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
