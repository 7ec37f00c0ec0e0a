/**
 * @module Bytes of one file → complete records, each with the byte offset just after it (what a
 * checkpoint may save). Pure: no I/O, no clock (callers pass times in).
 */
import { ALERTS_LOG_HEADER } from '../../transforms/parse-alerts-log.js';
import { AlertRecordSplitter } from '../../transforms/split-alert-records.js';

/** How a file's bytes become records. */
export type InputFormat = 'auto' | 'ossec-json' | 'wazuh-json' | 'alerts-log' | 'raw';

export const INPUT_FORMATS: readonly InputFormat[] = ['auto', 'ossec-json', 'wazuh-json', 'alerts-log', 'raw'];

/** A complete record's text and the file offset just after its last byte (or its newline). */
export interface ReadRecord {
  text: string;
  endOffset: number;
  /** True when the record was cut at `maxRecordBytes` (the rest follows as the next record). */
  oversized?: boolean;
}

export interface RecordReaderOptions {
  format: InputFormat;
  /** Where in the file the first byte pushed sits. */
  startOffset: number;
  /** A line or record longer than this is passed on as is, cut here: memory stays bounded. */
  maxRecordBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Splits at the byte level: 0x0A never occurs inside a UTF-8 multi-byte sequence, so a line is
 * always whole before it is decoded and a sequence cut by a chunk boundary is never mis-decoded.
 * Each line is decoded on its own with a non-fatal decoder: invalid bytes become U+FFFD and the
 * file goes on. Byte splitting also keeps exact offsets for the checkpoint, which decoding first
 * would lose.
 *
 * `auto` and `alerts-log` group the lines of a multi-line `** Alert` record with the shared
 * `AlertRecordSplitter` (the import command's): such a record only ends where the next header
 * starts, so the last one of a file is released by `flushOpenRecord` once the file is idle.
 * JSON formats and `raw` are one record per line; blank lines are skipped (not events).
 */
export class RecordReader {
  private readonly groups: boolean;
  private splitter = new AlertRecordSplitter();
  /** Bytes of a line still waiting for its newline. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** File offset of the next byte to be pushed. */
  private offset: number;
  /** Offset where the currently open multi-line record starts, and its size so far. */
  private openRecordStart: number | undefined;
  private openRecordBytes = 0;
  private lastCompleteEnd: number;
  private firstLine = true;

  constructor(private readonly options: RecordReaderOptions) {
    this.offset = options.startOffset;
    this.lastCompleteEnd = options.startOffset;
    this.groups = options.format === 'auto' || options.format === 'alerts-log';
  }

  /** The offset after the last byte pushed. */
  get readOffset(): number {
    return this.offset;
  }

  /** The offset before which every record has been returned: safe to checkpoint. */
  get safeOffset(): number {
    if (this.openRecordStart !== undefined) return this.openRecordStart;
    return this.lastCompleteEnd;
  }

  /** True while bytes or a multi-line record wait for more input. */
  get hasPending(): boolean {
    return this.pendingBytes > 0 || this.openRecordStart !== undefined;
  }

  push(chunk: Buffer): ReadRecord[] {
    const out: ReadRecord[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) {
        this.keepPending(chunk.subarray(start), this.offset + chunk.length, out);
        break;
      }
      const piece = chunk.subarray(start, nl);
      const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      const lineStart = this.offset + start - this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      if (line.length > this.options.maxRecordBytes) this.oversizedLine(line, lineStart, this.offset + nl + 1, out);
      else this.line(line, lineStart, this.offset + nl + 1, out);
      start = nl + 1;
    }
    this.offset += chunk.length;
    return out;
  }

  /**
   * Releases a multi-line record that no next header has closed (the file has been idle), and,
   * with `includePartialLine`, a last line without its newline (a file that will not grow again:
   * rotated away and idle). Not used on shutdown: the checkpoint stays before such bytes and they
   * are read again after a restart.
   */
  flushOpenRecord(includePartialLine = false): ReadRecord[] {
    const out: ReadRecord[] = [];
    if (includePartialLine && this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending);
      const lineStart = this.offset - this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.line(line, lineStart, this.offset, out);
    }
    if (this.groups && this.openRecordStart !== undefined) this.closeGroup(out, this.pendingBytes > 0 ? this.offset - this.pendingBytes : this.offset);
    return out;
  }

  /** Keeps the bytes of an unfinished line (ending at file offset `end`), cut at the size bound. */
  private keepPending(bytes: Buffer, end: number, out: ReadRecord[]): void {
    // Copy: the caller reuses its read buffer.
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
    while (this.pendingBytes >= this.options.maxRecordBytes) {
      const all = Buffer.concat(this.pending);
      const head = all.subarray(0, cutPoint(all, this.options.maxRecordBytes));
      const headStart = end - all.length;
      const headEnd = headStart + head.length;
      // An oversized line closes any open record first, then goes on alone.
      if (this.groups && this.openRecordStart !== undefined) this.closeGroup(out, headStart);
      out.push({ text: this.decode(head), endOffset: headEnd, oversized: true });
      this.lastCompleteEnd = headEnd;
      const rest = all.subarray(head.length);
      this.pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      this.pendingBytes = rest.length;
    }
  }

  /** A whole line longer than the bound: passed on in pieces, flagged, alone (any open record is closed first). */
  private oversizedLine(bytes: Buffer, lineStart: number, lineEnd: number, out: ReadRecord[]): void {
    if (this.groups && this.openRecordStart !== undefined) this.closeGroup(out, lineStart);
    let rest = bytes;
    let at = lineStart;
    while (rest.length > this.options.maxRecordBytes) {
      const head = rest.subarray(0, cutPoint(rest, this.options.maxRecordBytes));
      at += head.length;
      out.push({ text: this.decode(head), endOffset: at, oversized: true });
      rest = rest.subarray(head.length);
    }
    const text = this.decode(rest);
    const last = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (last.trim() !== '') out.push({ text: last, endOffset: lineEnd });
    this.lastCompleteEnd = lineEnd;
  }

  private line(bytes: Buffer, lineStart: number, lineEnd: number, out: ReadRecord[]): void {
    const text = this.decode(bytes);
    if (!this.groups) {
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim() !== '') out.push({ text: trimmed, endOffset: lineEnd });
      this.lastCompleteEnd = lineEnd;
      return;
    }
    const isHeader = text.charCodeAt(0) === 0x2a /* '*' */ && ALERTS_LOG_HEADER.test(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (isHeader && this.openRecordStart !== undefined) this.closeGroup(out, lineStart);
    if (!isHeader && this.openRecordStart !== undefined && this.openRecordBytes + bytes.length + 1 > this.options.maxRecordBytes) {
      // A record past the size bound is passed on as it is so far; the rest follows as lines.
      this.closeGroup(out, lineStart, true);
    }
    for (const record of this.splitter.push(text + '\n')) out.push({ text: record.text, endOffset: lineEnd });
    if (isHeader) {
      this.openRecordStart = lineStart;
      this.openRecordBytes = bytes.length + 1;
    } else if (this.openRecordStart !== undefined) {
      this.openRecordBytes += bytes.length + 1;
    } else {
      this.lastCompleteEnd = lineEnd;
    }
  }

  /** Ends the open multi-line record at `end` (the start of whatever follows it). */
  private closeGroup(out: ReadRecord[], end: number, oversized = false): void {
    for (const record of this.splitter.end()) {
      const read: ReadRecord = { text: record.text, endOffset: end };
      if (oversized) read.oversized = true;
      out.push(read);
    }
    this.splitter = new AlertRecordSplitter();
    this.openRecordStart = undefined;
    this.openRecordBytes = 0;
    this.lastCompleteEnd = end;
  }

  private decode(bytes: Buffer): string {
    // Buffer's UTF-8 decoding replaces invalid bytes with U+FFFD as TextDecoder (fatal: false) does,
    // and keeps a BOM as ignoreBOM does, without TextDecoder's JavaScript around each call.
    let text = bytes.toString('utf8');
    // A BOM is only meaningful at the start of the file.
    if (this.firstLine) {
      this.firstLine = false;
      if (this.options.startOffset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }
}

/** Where to cut `bytes` at most `max` long without splitting a UTF-8 sequence (backs off over continuation bytes). */
function cutPoint(bytes: Buffer, max: number): number {
  let cut = Math.min(max, bytes.length);
  // At most 3 continuation bytes follow a lead byte; past that the bytes are invalid anyway.
  for (let back = 0; back < 3 && cut > 1 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80; back++) cut--;
  return cut;
}
