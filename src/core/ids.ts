/** @module Identifiers: the one document identity every sink uses, and CloudWatch-style event ids. */
import { hash } from 'node:crypto';
import { indexNameForTime, isValidTimeMs, timeOfAlertId } from './time.js';

/**
 * The document id of an alert that carries its own id (OSSEC/Wazuh `<epoch>.<offset>`): unique per
 * log group and stream, so a second delivery of the same alert overwrites the first. 128 bits of
 * SHA-256 in hex keeps it short and far below OpenSearch's 512-byte `_id` limit.
 */
export function alertDocumentId(logGroup: string, logStream: string, alertId: string): string {
  return hash('sha256', `${logGroup}\u0000${logStream}\u0000${alertId}`, 'hex').slice(0, 32);
}

/**
 * A CloudWatch-compatible event id: 56 decimal digits whose value >> 144 is the event time in ms,
 * the low bits a sequence number. Unique per (time, sequence) and sortable by time.
 */
export function cloudWatchEventId(timestampMs: number, sequence: bigint | number): string {
  const value = (BigInt(Math.max(0, Math.trunc(timestampMs))) << 144n) | (BigInt(sequence) & ((1n << 144n) - 1n));
  return value.toString().padStart(56, '0');
}

/** An alert's own id when it can name the alert: a non-empty string. `""`, numbers and objects cannot. */
export function usableAlertId(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface IdentitySource {
  logGroup: string;
  logStream: string;
  /** The CloudWatch event id (per delivery). */
  eventId: string;
  /** The event's time in epoch ms (per delivery: an agent may stamp a re-read line anew). */
  eventTimeMs: number;
  /** The alert's own id field, as found (checked here with `usableAlertId`). */
  alertId?: unknown;
  /** The alert's own time, when it has one. */
  alertTimeMs?: number | undefined;
}

export interface DocumentIdentity {
  /** The daily index. */
  index: string;
  /** The document id within it. */
  id: string;
  /**
   * The time that places the document: for an alert with its own id, the time in that id (else the
   * alert's own time, else the event's); otherwise the event's. Same for every delivery of an alert.
   */
  timeMs: number;
}

/**
 * THE document identity, the one place that decides what "the same document" is; every sink
 * (embedded, OpenSearch) takes it as given. An alert with a usable id is the same document however
 * often, in whatever batches and with whatever event ids and times it is delivered: its id is
 * derived from log group, stream and alert id, and its index from the alert's own time. Anything
 * else (no id, an empty one) is identified by its CloudWatch event id, so two such events never
 * collapse into one. (An alert with an id but no time of its own, which OSSEC and Wazuh never
 * write, can only be placed by its event time.)
 */
export function documentIdentity(source: IdentitySource, indexPrefix?: string): DocumentIdentity {
  const alertId = usableAlertId(source.alertId);
  if (alertId === undefined) return { index: indexNameForTime(source.eventTimeMs, indexPrefix), id: source.eventId, timeMs: source.eventTimeMs };
  const fromId = timeOfAlertId(alertId);
  const timeMs = isValidTimeMs(fromId) ? fromId : isValidTimeMs(source.alertTimeMs) ? source.alertTimeMs : source.eventTimeMs;
  return { index: indexNameForTime(timeMs, indexPrefix), id: alertDocumentId(source.logGroup, source.logStream, alertId), timeMs };
}
