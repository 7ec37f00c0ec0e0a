/**
 * @module The agent's bounded on-disk spool: records are appended to segment files and fsync'd
 * before `append` resolves (then tail may save its checkpoint); the sender reads sealed segments
 * oldest first and deletes each once CloudWatch acknowledged all of it. When the spool holds
 * `maxBytes`, `append` stays pending (backpressure: tail stops reading; its file keeps the rest).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentRecord } from '../record.js';

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

/** A spooled record with its message's JSON text (escaped once, when it was appended). */
export interface SpooledRecord extends AgentRecord {
  messageJson: string;
}

const SEGMENT_NAME = /^(\d{12})\.seg$/;
const DEFAULT_SEGMENT_BYTES = 1_048_576;
const DEFAULT_CACHE_BYTES = 16 * 1_048_576;
/** A segment line's start, up to its message's JSON: `{"t":<number>,"m":` (ASCII). */
const lineFrame = (timestampMs: number): string => `{"t":${JSON.stringify(timestampMs)},"m":`;

export class Spool {
  private readonly segments: SpoolSegment[] = [];
  private open: { segment: SpoolSegment; handle: FileHandle } | undefined;
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
    // Each message is escaped once: the segment's line and, from the cache, the PutLogEvents request take this text.
    const spooled: SpooledRecord[] = new Array(records.length);
    let size = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const messageJson = JSON.stringify(r.message);
      spooled[i] = { timestampMs: r.timestampMs, message: r.message, messageJson };
      size += lineFrame(r.timestampMs).length + Buffer.byteLength(messageJson, 'utf8') + 2;
    }
    // The lines are written piece by piece into bytes of their exact size: built as strings first,
    // they were all alive at once while the batch was encoded, so young collections in between
    // moved them to V8's old generation, which grew between collections.
    const data = Buffer.allocUnsafe(size);
    let at = 0;
    for (const r of spooled) {
      at += data.write(lineFrame(r.timestampMs), at, 'latin1');
      at += data.write(r.messageJson, at, 'utf8');
      at += data.write('}\n', at, 'latin1');
    }
    while (this.bytes > 0 && this.bytes + data.length > this.options.maxBytes) {
      if (!wait) return false;
      // Seal what is open, so that the sender can take it (sealing waits on this chain otherwise).
      await this.sealNow();
      this.setWaitingForRoom(true);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.closed) throw new SpoolClosedError();
    }
    this.setWaitingForRoom(false);
    const target = await this.openSegment();
    await target.handle.write(data);
    await target.handle.datasync();
    target.segment.bytes += data.length;
    target.segment.records += records.length;
    this.remember(target.segment, spooled, data.length);
    this.bytes += data.length;
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

  private async openSegment(): Promise<{ segment: SpoolSegment; handle: FileHandle }> {
    if (this.open) return this.open;
    const seq = this.nextSeq++;
    const path = this.pathOf(seq);
    const handle = await open(path, 'a', 0o600);
    // The new file's name must survive a crash too, not only its bytes.
    await fsyncDir(this.options.dir);
    const segment: SpoolSegment = { seq, path, bytes: 0, records: 0, sinceMs: Date.now() };
    this.segments.push(segment);
    if ((this.options.cacheBytes ?? DEFAULT_CACHE_BYTES) > 0) this.cache.set(segment, { records: [], bytes: 0 });
    this.open = { segment, handle };
    return this.open;
  }

  private async sealNow(): Promise<void> {
    const current = this.open;
    if (!current) return;
    this.open = undefined;
    await current.handle.close();
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
    await rm(segment.path, { force: true });
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
  const text = await readFile(path, 'utf8');
  const records: SpooledRecord[] = [];
  let torn = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const parsed = JSON.parse(line) as { t?: unknown; m?: unknown };
      if (typeof parsed.t === 'number' && typeof parsed.m === 'string') records.push({ timestampMs: parsed.t, message: parsed.m, messageJson: messageJsonOf(line, parsed.m) });
      else torn++;
    } catch {
      torn++;
    }
  }
  return { records, torn };
}

/**
 * The JSON text of a parsed line's message, cut from the line: appendNow writes `{"t":<number>,"m":<string>}`,
 * and a number holds no `,"m":`. A line of any other shape is escaped again.
 */
function messageJsonOf(line: string, message: string): string {
  const at = line.indexOf(',"m":"');
  return line.startsWith('{"t":') && at > 0 && line.endsWith('"}') ? line.slice(at + 5, -1) : JSON.stringify(message);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
