/**
 * @module The agent's bounded on-disk spool: records are appended to segment files and fsync'd
 * before `append` resolves (then tail may save its checkpoint); the sender reads sealed segments
 * oldest first and deletes each once CloudWatch acknowledged all of it. When the spool holds
 * `maxBytes`, `append` stays pending (backpressure: tail stops reading; its file keeps the rest).
 */
import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writev } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { AgentRecord } from '../record.js';
import { fsyncFd } from '../fsync.js';

export interface SpoolOptions {
  dir: string;
  /** The most the segment files may hold together (`spool_max_bytes`). */
  maxBytes: number;
  /** A segment is sealed (ready to send) at this size; the sender also seals a younger one after the buffer duration. */
  segmentBytes?: number;
  /**
   * Segments written by this process are also kept in memory, up to this many bytes together, so
   * that the sender takes their records as they were appended instead of reading and parsing the
   * file again (the file stays the truth for a restart). Default 16 MiB; 0 turns it off.
   */
  cacheBytes?: number;
}

export interface SpoolSegment {
  readonly seq: number;
  readonly path: string;
  bytes: number;
  records: number;
  /** When its first record was appended (for restart: the file's mtime). */
  readonly sinceMs: number;
}

export interface SpoolStats {
  segments: number;
  records: number;
  bytes: number;
  maxBytes: number;
  /** When the oldest record still spooled was appended; null when empty. */
  oldestMs: number | null;
  /** `append` is waiting for room (tail is paused). */
  full: boolean;
  /** Records appended since this process opened the spool (heartbeats included). */
  appendedRecords: number;
}

export class SpoolClosedError extends Error {
  readonly code = 'spool_closed';
  constructor() {
    super('The spool is closed: the agent is stopping; the records stay in their file and are read again at the next start.');
    this.name = 'SpoolClosedError';
  }
}

/**
 * A spooled record: its time and its message's JSON text as UTF-8 bytes, escaped once when it was
 * appended, in the segment's own bytes (`data`, from `start` to `end`). The PutLogEvents request
 * copies those bytes; the message's text is decoded only when asked for (a split, a log sample).
 * No string per record stays alive while a segment waits to be sent: held for a second or more,
 * such strings outlived V8's young collections and were copied, then promoted, each time (a good
 * part of the agent's GC at 1,000 alerts/s, bench/agent.bench.ts).
 */
export class SpooledRecord implements AgentRecord {
  constructor(
    readonly timestampMs: number,
    private readonly data: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** The message's UTF-8 byte count (CloudWatch counts these). */
    readonly messageBytes: number,
    /** Where the record's whole segment line starts in `data` (it ends 2 bytes after `end`): set by a SpoolEncoder. */
    private readonly lineStart = -1,
  ) {}

  /** The record's segment line, `{"t":…,"m":…}\n`, when an encoder made it (appendNow writes it as it is). */
  lineIn(): { data: Buffer; start: number; end: number } | undefined {
    return this.lineStart < 0 ? undefined : { data: this.data, start: this.lineStart, end: this.end + 2 };
  }

  /** The message's JSON text, as UTF-8 bytes (a view, not a copy). */
  get messageJson(): Buffer {
    return this.data.subarray(this.start, this.end);
  }

  get message(): string {
    return JSON.parse(this.data.toString('utf8', this.start, this.end)) as string;
  }
}

/**
 * Encodes records into segment lines as they are made, into large buffers written front to back
 * (never rewritten): the agent's tail encodes each record as soon as it is read, so that its
 * text dies at once, young, instead of living through the read of the whole file's new lines,
 * the append and the wait to be sent (bench/agent.bench.ts).
 */
export class SpoolEncoder {
  private chunk = Buffer.allocUnsafe(0);
  private at = 0;
  constructor(private readonly chunkBytes = 256 * 1024) {}

  encode(message: string, timestampMs: number): SpooledRecord {
    const json = JSON.stringify(message);
    const frame = lineFrame(timestampMs);
    const size = frame.length + Buffer.byteLength(json, 'utf8') + 2;
    if (this.at + size > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(this.chunkBytes, size));
      this.at = 0;
    }
    const data = this.chunk;
    const lineStart = this.at;
    const start = lineStart + data.write(frame, lineStart, 'latin1');
    const end = start + data.write(json, start, 'utf8');
    data[end] = 0x7d; // '}'
    data[end + 1] = 0x0a; // '\n'
    this.at = end + 2;
    return new SpooledRecord(timestampMs, data, start, end, Buffer.byteLength(message, 'utf8'), lineStart);
  }
}

const SEGMENT_NAME = /^(\d{12})\.seg$/;
const DEFAULT_SEGMENT_BYTES = 1_048_576;
const DEFAULT_CACHE_BYTES = 16 * 1_048_576;
/** A segment line's start, up to its message's JSON: `{"t":<number>,"m":` (ASCII). */
const lineFrame = (timestampMs: number): string => `{"t":${JSON.stringify(timestampMs)},"m":`;

export class Spool {
  private readonly segments: SpoolSegment[] = [];
  /** The segment being appended to, and its file descriptor (plain fs calls: no FileHandle per segment). */
  private open: { segment: SpoolSegment; fd: number } | undefined;
  private nextSeq: number;
  private bytes = 0;
  private appended = 0;
  private chain: Promise<void> = Promise.resolve();
  private waiters: Array<() => void> = [];
  private closed = false;
  private waitingForRoom = false;
  /** Every record of a segment, in order, when all of them fit in `cacheBytes` (see SpoolOptions). */
  private readonly cache = new Map<SpoolSegment, { records: SpooledRecord[]; bytes: number }>();
  private cachedBytes = 0;
  /** Encodes the records appended as plain AgentRecords (heartbeats; the tail's come encoded). */
  private readonly encoder = new SpoolEncoder(64 * 1024);
  /** Called when `append` starts or stops waiting for room (the agent logs it). */
  onFullChange: ((full: boolean, stats: SpoolStats) => void) | undefined;

  private constructor(private readonly options: SpoolOptions) {
    this.nextSeq = 1;
  }

  /** Opens (or creates) the spool in `dir`; segments left by an earlier run are sealed and sent first. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const found = readdirSync(options.dir)
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const seq of found) {
      const path = spool.pathOf(seq);
      const stat = statSync(path);
      if (stat.size === 0) {
        await rm(path, { force: true });
        continue;
      }
      const records = (await readSegment(path)).records.length;
      spool.segments.push({ seq, path, bytes: stat.size, records, sinceMs: stat.mtimeMs });
      spool.bytes += stat.size;
    }
    spool.nextSeq = (found.at(-1) ?? 0) + 1;
    return spool;
  }

  /**
   * Appends records durably (write + fdatasync); resolves once they are on disk. Waits while the
   * spool is full; a batch larger than the whole spool is still taken when the spool is empty, so
   * that it cannot wait forever. Appends are applied in call order.
   */
  append(records: readonly AgentRecord[]): Promise<void> {
    const run = this.chain.then(() => this.appendNow(records, true));
    this.chain = run.then(() => undefined, () => undefined);
    return run.then(() => undefined);
  }

  /** As `append`, but gives up (false) instead of waiting when there is no room (heartbeats must not queue up). */
  tryAppend(records: readonly AgentRecord[]): Promise<boolean> {
    // Not behind an append that waits for room: that could be a long wait, and heartbeats would pile up.
    if (this.waitingForRoom) return Promise.resolve(false);
    const run = this.chain.then(() => this.appendNow(records, false));
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  private async appendNow(records: readonly AgentRecord[], wait: boolean): Promise<boolean> {
    if (records.length === 0) return true;
    if (this.closed) throw new SpoolClosedError();
    // Each message is escaped once, by an encoder (the tail's, as it read the record, or the
    // spool's own): the segment's line and, from the cache, the PutLogEvents request take its bytes.
    const spooled: SpooledRecord[] = new Array(records.length);
    // The lines as slices of the encoders' buffers, consecutive lines of one buffer as one slice.
    const slices: Buffer[] = [];
    let sliceData: Buffer | undefined;
    let sliceStart = 0;
    let sliceEnd = 0;
    let size = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      let line = r instanceof SpooledRecord ? r.lineIn() : undefined;
      const record = line ? (r as SpooledRecord) : this.encoder.encode(r.message, r.timestampMs);
      line ??= record.lineIn()!;
      spooled[i] = record;
      size += line.end - line.start;
      if (sliceData === line.data && sliceEnd === line.start) {
        sliceEnd = line.end;
        continue;
      }
      if (sliceData) slices.push(sliceData.subarray(sliceStart, sliceEnd));
      ({ data: sliceData, start: sliceStart, end: sliceEnd } = line);
    }
    if (sliceData) slices.push(sliceData.subarray(sliceStart, sliceEnd));
    while (this.bytes > 0 && this.bytes + size > this.options.maxBytes) {
      if (!wait) return false;
      // Seal what is open, so that the sender can take it (sealing waits on this chain otherwise).
      await this.sealNow();
      this.setWaitingForRoom(true);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.closed) throw new SpoolClosedError();
    }
    this.setWaitingForRoom(false);
    const target = await this.openSegment();
    const bytesWritten = await new Promise<number>((resolve, reject) => writev(target.fd, slices, (error, written) => (error ? reject(error) : resolve(written))));
    if (bytesWritten !== size) throw new Error(`spool segment ${target.segment.path}: wrote ${bytesWritten} of ${size} bytes`);
    await new Promise<void>((resolve, reject) => fdatasync(target.fd, (error) => (error ? reject(error) : resolve())));
    target.segment.bytes += size;
    target.segment.records += records.length;
    this.remember(target.segment, spooled, size);
    this.bytes += size;
    this.appended += records.length;
    if (target.segment.bytes >= (this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES)) await this.sealNow();
    this.wake();
    return true;
  }

  /** Keeps the records appended to `segment` in memory while the whole segment fits the cache; else it is read from its file. */
  private remember(segment: SpoolSegment, records: readonly SpooledRecord[], bytes: number): void {
    const cached = this.cache.get(segment);
    if (!cached) return;
    if (this.cachedBytes + bytes > (this.options.cacheBytes ?? DEFAULT_CACHE_BYTES)) {
      this.forget(segment);
      return;
    }
    for (const r of records) cached.records.push(r);
    cached.bytes += bytes;
    this.cachedBytes += bytes;
  }

  private forget(segment: SpoolSegment): void {
    const cached = this.cache.get(segment);
    if (!cached) return;
    this.cache.delete(segment);
    this.cachedBytes -= cached.bytes;
  }

  private setWaitingForRoom(full: boolean): void {
    if (this.waitingForRoom === full) return;
    this.waitingForRoom = full;
    this.onFullChange?.(full, this.stats());
  }

  private async openSegment(): Promise<{ segment: SpoolSegment; fd: number }> {
    if (this.open) return this.open;
    const seq = this.nextSeq++;
    const path = this.pathOf(seq);
    const fd = openSync(path, 'a', 0o600);
    try {
      // The new file's name must survive a crash too, not only its bytes.
      await fsyncDir(this.options.dir);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    const segment: SpoolSegment = { seq, path, bytes: 0, records: 0, sinceMs: Date.now() };
    this.segments.push(segment);
    if ((this.options.cacheBytes ?? DEFAULT_CACHE_BYTES) > 0) this.cache.set(segment, { records: [], bytes: 0 });
    this.open = { segment, fd };
    return this.open;
  }

  private async sealNow(): Promise<void> {
    const current = this.open;
    if (!current) return;
    this.open = undefined;
    closeSync(current.fd);
  }

  /**
   * The oldest segment ready to send. The segment being appended to is sealed first when it is the
   * only one and `sealOpen` allows it (the sender passes true once the buffer duration has passed).
   */
  oldest(sealOpen: (segment: SpoolSegment) => boolean): Promise<SpoolSegment | undefined> {
    return this.next(0, sealOpen);
  }

  /** As `oldest`, among the segments after `afterSeq` (those before are being sent already). */
  async next(afterSeq: number, sealOpen: (segment: SpoolSegment) => boolean): Promise<SpoolSegment | undefined> {
    const first = this.segments.find((s) => s.seq > afterSeq);
    if (!first) return undefined;
    if (this.open?.segment !== first) return first;
    if (first.records === 0 || !sealOpen(first)) return undefined;
    // Sealing goes through the chain so that it never falls between an append's write and its sync.
    const run = this.chain.then(() => (this.open?.segment === first ? this.sealNow() : undefined));
    this.chain = run.catch(() => undefined);
    await run;
    return first;
  }

  /** The records of a sealed segment, in append order (a torn last line from a crash is skipped: it was never acknowledged). */
  async read(segment: SpoolSegment): Promise<SpooledRecord[]> {
    const cached = this.cache.get(segment);
    if (cached && this.open?.segment !== segment) return cached.records;
    return (await readSegment(segment.path)).records;
  }

  /** Deletes a segment CloudWatch has acknowledged entirely (in any order); frees room for waiting appends. */
  async remove(segment: SpoolSegment): Promise<void> {
    if (!this.segments.includes(segment) || this.open?.segment === segment) return;
    try {
      unlinkSync(segment.path); // one quick system call, made directly
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // Found again after the await: removals of segments delivered together may interleave.
    const at = this.segments.indexOf(segment);
    if (at < 0) return;
    this.segments.splice(at, 1);
    this.forget(segment);
    this.bytes -= segment.bytes;
    this.wake();
  }

  /** Resolves on the next append or removal, or after `ms`. */
  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }

  stats(): SpoolStats {
    return {
      segments: this.segments.length,
      records: this.segments.reduce((n, s) => n + s.records, 0),
      bytes: this.bytes,
      maxBytes: this.options.maxBytes,
      oldestMs: this.segments[0]?.sinceMs ?? null,
      full: this.waitingForRoom,
      appendedRecords: this.appended,
    };
  }

  /** Stops taking records (waiting appends reject with SpoolClosedError) and closes the open segment. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const run = this.chain.then(() => this.sealNow());
    this.chain = run.catch(() => undefined);
    await run;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private pathOf(seq: number): string {
    return join(this.options.dir, `${String(seq).padStart(12, '0')}.seg`);
  }
}

async function readSegment(path: string): Promise<{ records: SpooledRecord[]; torn: number }> {
  const data = await readFile(path);
  const records: SpooledRecord[] = [];
  let torn = 0;
  for (let start = 0; start < data.length; ) {
    const nl = data.indexOf(0x0a, start);
    const end = nl < 0 ? data.length : nl;
    if (end > start) {
      const record = recordOfLine(data, start, end);
      if (record) records.push(record);
      else torn++;
    }
    start = end + 1;
  }
  return { records, torn };
}

const LINE_START = Buffer.from('{"t":', 'latin1');
const MESSAGE_KEY = Buffer.from(',"m":"', 'latin1');

/**
 * One line of a segment file, or undefined when it is not one appendNow wrote whole (torn by a
 * crash). The message's JSON bytes are cut from the line, as appendNow wrote them
 * (`{"t":<number>,"m":<string>}`; a number holds no `,"m":`), when they are valid UTF-8; a line
 * of any other shape has its message escaped again.
 */
function recordOfLine(data: Buffer, start: number, end: number): SpooledRecord | undefined {
  let parsed: { t?: unknown; m?: unknown };
  try {
    parsed = JSON.parse(data.toString('utf8', start, end)) as typeof parsed;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.t !== 'number' || typeof parsed.m !== 'string') return undefined;
  const key = data.indexOf(MESSAGE_KEY, start);
  const shaped = data.compare(LINE_START, 0, LINE_START.length, start, start + LINE_START.length) === 0 && key > start && key < end && data[end - 1] === 0x7d && data[end - 2] === 0x22;
  const messageBytes = Buffer.byteLength(parsed.m, 'utf8');
  if (shaped && isUtf8(data.subarray(key + 5, end - 1))) return new SpooledRecord(parsed.t, data, key + 5, end - 1, messageBytes);
  const json = Buffer.from(JSON.stringify(parsed.m), 'utf8');
  return new SpooledRecord(parsed.t, json, 0, json.length, messageBytes);
}

async function fsyncDir(dir: string): Promise<void> {
  // Open and close directly; only the fsync waits on the thread pool (see saveCheckpoint).
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
