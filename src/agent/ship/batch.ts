/**
 * @module PutLogEvents batches from spooled records, within CloudWatch Logs' limits (reference §5):
 * ≤ 10,000 events, Σ(UTF-8 bytes + 26) ≤ 1,048,576, each event ≤ 256 KiB with its overhead, a
 * batch spans ≤ 24 h, events in time order. Pure: no I/O.
 */
import type { AgentRecord } from '../record.js';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
/**
 * The per-event limit including the 26-byte overhead. AWS raised it to 1 MiB in April 2025, but
 * 256 KiB is what older endpoints and the hidsmon server enforce: the smaller one works with all.
 */
export const MAX_EVENT_COUNTED_BYTES = 262_144;
export const MAX_SPAN_MS = 24 * 3_600_000;

/** One event as PutLogEvents takes it. */
export interface ShipEvent {
  timestamp: number;
  readonly message: string;
  /**
   * `message` as JSON text, when the spool has it already (escaped once, when it was appended): the
   * request is built from it. UTF-8 bytes from the spool (copied as they are), or a string.
   */
  readonly messageJson?: string | Buffer;
  /** `message`'s UTF-8 byte count, when known (the spool counted it once). */
  readonly messageBytes?: number;
}

/** What planBatches takes: a record, with what the spool already knows of it. */
export type BatchRecord = AgentRecord & { readonly messageJson?: string | Buffer; readonly messageBytes?: number };

/**
 * An event that is a whole spooled record: its message's JSON bytes go into the request as they
 * are; the text is decoded only when something reads it (a log sample), never per request.
 */
class SpooledEvent implements ShipEvent {
  constructor(
    readonly timestamp: number,
    private readonly record: BatchRecord,
    readonly messageBytes: number,
  ) {}

  get message(): string {
    return this.record.message;
  }

  get messageJson(): string | Buffer | undefined {
    return this.record.messageJson;
  }
}

/** What `planBatches` made of the records, with what it had to change (for the counters and logs). */
export interface BatchPlan {
  batches: ShipEvent[][];
  /** Records longer than one event may be, each shipped as several flagged parts (none dropped). */
  splitRecords: number;
  /** Empty records, which CloudWatch refuses, shipped as a flagged placeholder. */
  emptyRecords: number;
}

/** The marker an empty record ships as (CloudWatch refuses an empty message). */
export const EMPTY_MESSAGE = '[hidsmon: empty record]';

/** The header of part `n` of `total` of a record too large for one event; the server sees it in `@message`. */
export function partHeader(n: number, total: number): string {
  return `[hidsmon: part ${n}/${total}] `;
}

/**
 * A record larger than one event is split, not truncated: nothing is lost, and each part starts
 * with `[hidsmon: part i/n] ` so that a reader can tell and join them (same timestamp, in order).
 * Cuts fall on UTF-8 character boundaries.
 */
export function splitMessage(message: string, maxCountedBytes = MAX_EVENT_COUNTED_BYTES, messageBytes = Buffer.byteLength(message, 'utf8')): string[] {
  // Counted before it is encoded: almost every record fits, and encoding each one was a copy per record.
  if (messageBytes + EVENT_OVERHEAD_BYTES <= maxCountedBytes) return [message];
  const bytes = Buffer.from(message, 'utf8');
  // Room for the longest header this record can need ("part 9999/9999").
  const headerRoom = Buffer.byteLength(partHeader(999_999, 999_999));
  const room = maxCountedBytes - EVENT_OVERHEAD_BYTES - headerRoom;
  const pieces: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + room);
    // Never cut inside a character: back off over continuation bytes (10xxxxxx).
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces.map((piece, i) => partHeader(i + 1, pieces.length) + piece.toString('utf8'));
}

export function countedBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

/**
 * Records (any order) → batches PutLogEvents accepts: sorted by time (stable, so that equal times
 * keep their file order and split parts stay in order), then cut at 10,000 events, 1 MiB counted
 * or a span over 24 h. Negative or non-finite timestamps become 0 (CloudWatch needs ≥ 0).
 */
export function planBatches(records: readonly BatchRecord[], limits: { maxEvents?: number; maxBytes?: number; maxEventBytes?: number } = {}): BatchPlan {
  const maxEvents = limits.maxEvents ?? MAX_BATCH_EVENTS;
  const maxBytes = limits.maxBytes ?? MAX_BATCH_BYTES;
  const maxEventBytes = limits.maxEventBytes ?? MAX_EVENT_COUNTED_BYTES;
  let splitRecords = 0;
  let emptyRecords = 0;
  const events: ShipEvent[] = [];
  for (const record of records) {
    const timestamp = Number.isFinite(record.timestampMs) && record.timestampMs > 0 ? Math.floor(record.timestampMs) : 0;
    // A spooled record's size is known without its text: most records are neither empty nor too large, and are not decoded.
    const known = record.messageBytes;
    if (known !== undefined && record.messageJson !== undefined && known > 0 && known + EVENT_OVERHEAD_BYTES <= maxEventBytes) {
      events.push(new SpooledEvent(timestamp, record, known));
      continue;
    }
    const message = record.message;
    if (message.length === 0) {
      emptyRecords++;
      events.push({ timestamp, message: EMPTY_MESSAGE });
      continue;
    }
    const parts = splitMessage(message, maxEventBytes, known);
    if (parts.length > 1) splitRecords++;
    // A whole record keeps the spool's JSON text of its message; split parts are new text.
    if (parts.length === 1 && record.messageJson !== undefined) events.push({ timestamp, message, messageJson: record.messageJson });
    else for (const part of parts) events.push({ timestamp, message: part });
  }
  events.sort((a, b) => a.timestamp - b.timestamp); // Array.prototype.sort is stable.
  const batches: ShipEvent[][] = [];
  let batch: ShipEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = event.messageBytes !== undefined ? event.messageBytes + EVENT_OVERHEAD_BYTES : countedBytes(event.message);
    if (batch.length > 0 && (batch.length >= maxEvents || bytes + size > maxBytes || event.timestamp - batch[0]!.timestamp > MAX_SPAN_MS)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, splitRecords, emptyRecords };
}
