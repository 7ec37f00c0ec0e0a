/** @module Identifiers: document ids that collapse re-deliveries, and CloudWatch-style event ids. */
import { hash } from 'node:crypto';

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
