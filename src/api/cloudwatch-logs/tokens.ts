/**
 * @module Pagination tokens. GetLogEvents tokens look like AWS's (`f/` or `b/` and 56 digits: the
 * event id of the position, time << 144 | sequence); the others are opaque base64url JSON.
 */
import { cloudWatchEventId } from '../../core/ids.js';
import type { EventPosition } from '../../ingest/log-store.js';
import { invalidToken } from './errors.js';

export type Direction = 'forward' | 'backward';

export function encodeEventToken(direction: Direction, position: EventPosition): string {
  return `${direction === 'forward' ? 'f' : 'b'}/${cloudWatchEventId(position.timestamp, position.sequence)}`;
}

const EVENT_TOKEN = /^([fb])\/(\d{56})(?:\/s)?$/;
const LOW_BITS = (1n << 144n) - 1n;

/** Decodes a GetLogEvents token; a token that does not decode is InvalidParameterException. */
export function decodeEventToken(token: string): { direction: Direction; position: EventPosition } {
  const m = EVENT_TOKEN.exec(token);
  if (!m) throw invalidToken();
  const value = BigInt(m[2] as string);
  const timestamp = value >> 144n;
  const sequence = value & LOW_BITS;
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER) || sequence > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidToken();
  return { direction: m[1] === 'f' ? 'forward' : 'backward', position: { timestamp: Number(timestamp), sequence: Number(sequence) } };
}

/** An opaque token carrying a small record, tagged with the operation it belongs to. */
export function encodeOpaqueToken(kind: string, data: Record<string, string | number | boolean>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...data }), 'utf8').toString('base64url');
}

/**
 * Decodes an opaque token of `kind` whose fields have the types of `shape`; anything else is
 * InvalidParameterException "The specified nextToken is invalid.".
 */
export function decodeOpaqueToken<T extends Record<string, 'string' | 'number' | 'boolean'>>(kind: string, token: string, shape: T): { [K in keyof T]: T[K] extends 'string' ? string : T[K] extends 'number' ? number : boolean } {
  if (!/^[A-Za-z0-9_-]+$/.test(token) || token.length > 4096) throw invalidToken();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (typeof value !== 'object' || value === null || (value as { k?: unknown }).k !== kind) throw invalidToken();
  const record = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(shape)) {
    const v = record[field];
    if (typeof v !== type || (type === 'number' && !Number.isSafeInteger(v))) throw invalidToken();
  }
  return record as never;
}

/** PutLogEvents' `nextSequenceToken` and a stream's `uploadSequenceToken`: 56 digits, as AWS's. Ignored on input. */
export function sequenceToken(sequence: number): string {
  return String(sequence).padStart(56, '0');
}
