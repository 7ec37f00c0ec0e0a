/**
 * @module Follows files (paths or globs) by polling and hands their records to a sink, saving a
 * checkpoint only after the sink resolved: at-least-once, nothing lost across restarts, renames,
 * copytruncate, truncation and OSSEC's daily archives.
 */
import { glob, mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { fstatSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AgentRecord, RecordBatch, RecordSink, TailPosition } from '../record.js';
import { retryDelayMs, settleWithin, sleep } from '../../pipeline/retry.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointEntry } from './checkpoint.js';
import { eventTimeOf } from './event-time.js';
import { FINGERPRINT_BYTES, formatFingerprint, hashBytes, leadingBytes, parseFingerprint, stillStartsWith, type Fingerprint } from './fingerprint.js';
import { RecordReader, type InputFormat, type ReadRecord } from './record-reader.js';

/** One input of the agent's config: paths or globs, all read in one format. */
export interface TailInput {
  paths: string[];
  format: InputFormat;
}

export type TailLogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Structured log: a stable event name and its fields. */
export type TailLog = (level: TailLogLevel, event: string, fields: Record<string, unknown>) => void;

export interface FollowOptions {
  inputs: TailInput[];
  checkpointFile: string;
  /** Where a file without a checkpoint starts when it is there at startup; files that appear later start at 0. */
  startPosition: 'start' | 'end';
  sink: RecordSink;
  signal: AbortSignal;
  log?: TailLog;
  /** Read what is there, release open multi-line records, deliver, save and return. */
  once?: boolean;
  /** How often files and globs are looked at (fs.watch misses events across rotations). Default 250 ms. */
  pollIntervalMs?: number;
  /** A record longer than this is passed on cut at it (the ship side splits or truncates and flags it). Default 1 MiB. */
  maxRecordBytes?: number;
  /** Records per sink call. Default 5,000. */
  maxBatchRecords?: number;
  /** Message bytes per sink call. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Bytes per read. Default 64 KiB. */
  readChunkBytes?: number;
  /**
   * How long a file must be idle before an open multi-line record is released, and before a
   * rotated-away file is finished (its unterminated last line then shipped). Default 1 s.
   */
  idleFlushMs?: number;
  /** How long a shutdown waits for a sink call in flight (to save its checkpoint). Default 5 s. */
  shutdownGraceMs?: number;
  /** A file idle this long with everything committed is closed and only stat'ed until it changes. Default 5 min. */
  closeIdleAfterMs?: number;
  /** Checkpoint entries of files not seen for this long are dropped. Default 7 days. */
  checkpointRetentionMs?: number;
  /**
   * Makes the record the sink gets from a record's text and time, as soon as it is read (the
   * agent's spool encodes it then, so that no text outlives the read). Default: `{ timestampMs, message }`.
   */
  makeRecord?: (message: string, timestampMs: number) => AgentRecord;
  now?: () => number;
}

/** What `status()` tells about one followed file. */
export interface FollowedFile {
  path: string;
  dev: number;
  ino: number;
  format: InputFormat;
  /** Offset saved in the checkpoint (everything before it is with the sink). */
  committedOffset: number;
  /** Offset read so far. */
  readOffset: number;
  /** True once the path no longer leads to this file (rotated away or deleted): it is read to its end, then closed. */
  rotated: boolean;
  /** True for a file idle with everything committed: closed, looked at by path each poll. */
  dormant?: boolean;
}

export interface TailStatus {
  files: FollowedFile[];
  recordsDelivered: number;
  batchesDelivered: number;
  sinkFailures: number;
  lastError?: string;
}

interface Tracked {
  path: string;
  format: InputFormat;
  handle: FileHandle;
  dev: number;
  ino: number;
  fp: Fingerprint;
  /**
   * The file's first bytes (up to FINGERPRINT_BYTES) as taken at open or read since, of which `fp`
   * is the hash: a fingerprint read from the file again after reading could hash what a rotation
   * wrote since (a copytruncate between the read and the hash), and then match any file.
   */
  head: Buffer;
  reader: RecordReader;
  committed: number;
  rotated: boolean;
  /** When bytes last arrived, or the file was found rotated: a rotated file is finished only after it stayed idle. */
  lastGrowthMs: number;
}

const DAY_MS = 86_400_000;
const SINK_RETRY = { initialDelayMs: 250, maxDelayMs: 30_000, multiplier: 2 };

const keyOf = (dev: number, ino: number): string => `${dev}:${ino}`;

/** Follows files until `signal` aborts (or once, with `once`). */
export class FileTailer {
  private readonly files = new Map<string, Tracked>();
  private readonly entries = new Map<string, CheckpointEntry>();
  private readonly counters = { recordsDelivered: 0, batchesDelivered: 0, sinkFailures: 0 };
  private lastError: string | undefined;
  /** Identities the last scan found at an input path: their checkpoint entries are kept however old. */
  private present = new Set<string>();
  /** Set when a batch was given up at shutdown: from then on nothing is committed. */
  private abandoned = false;
  private readonly opening = new Set<string>();
  private readonly readBuffer: Buffer;
  private readBufferInUse = false;
  private readonly now: () => number;
  private readonly log: TailLog;
  private readonly makeRecord: (message: string, timestampMs: number) => AgentRecord;
  private readonly o: Required<Omit<FollowOptions, 'log' | 'now' | 'once' | 'makeRecord'>> & { once: boolean };

  constructor(options: FollowOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.makeRecord = options.makeRecord ?? ((message, timestampMs) => ({ timestampMs, message }));
    this.o = {
      pollIntervalMs: 250,
      maxRecordBytes: 1024 * 1024,
      maxBatchRecords: 5_000,
      maxBatchBytes: 1024 * 1024,
      readChunkBytes: 256 * 1024,
      idleFlushMs: 1_000,
      shutdownGraceMs: 5_000,
      checkpointRetentionMs: 7 * DAY_MS,
      closeIdleAfterMs: 300_000,
      ...options,
      once: options.once ?? false,
    };
    this.readBuffer = Buffer.allocUnsafe(this.o.readChunkBytes);
  }

  status(): TailStatus {
    const files: FollowedFile[] = [...this.files.values()].map((t) => ({
      path: t.path, dev: t.dev, ino: t.ino, format: t.format, committedOffset: t.committed, readOffset: t.reader.readOffset, rotated: t.rotated,
    }));
    for (const key of this.present) {
      const e = this.entries.get(key);
      if (e && !this.files.has(key)) {
        files.push({ path: e.file, dev: e.dev, ino: e.ino, format: e.format ?? 'auto', committedOffset: e.offset, readOffset: e.offset, rotated: false, dormant: true });
      }
    }
    const status: TailStatus = { files, ...this.counters };
    if (this.lastError !== undefined) status.lastError = this.lastError;
    return status;
  }

  async run(): Promise<void> {
    await mkdir(dirname(this.o.checkpointFile), { recursive: true });
    const loaded = await loadCheckpoint(this.o.checkpointFile);
    if (!loaded.ok) {
      // A checkpoint we cannot read is not silently replaced: starting over could skip or repeat a whole file.
      this.log('error', 'tail_checkpoint_unreadable', { code: loaded.error.code, message: loaded.error.message, file: this.o.checkpointFile });
      throw Object.assign(new Error(loaded.error.message), { code: loaded.error.code });
    }
    for (const e of loaded.value) this.entries.set(keyOf(e.dev, e.ino), e);
    try {
      await this.scan(true);
      await this.recoverRotatedAway();
      await this.save();
      // Files are discovered on their own loop, so that while the sink holds reading back (spool
      // full) each new file at an input path is still opened: a file renamed away meanwhile stays
      // readable by its descriptor, and nothing is lost however many rotations the stall lasts.
      const scanner = this.o.once ? Promise.resolve() : this.scanLoop();
      // Bounded by the signal; each cycle is bounded by the file sizes seen at its start.
      while (!this.o.signal.aborted) {
        await this.readAll(this.o.once);
        if (this.o.once) break;
        await sleep(this.o.pollIntervalMs, this.o.signal);
      }
      await scanner;
      await this.save();
    } finally {
      for (const t of this.files.values()) await t.handle.close().catch(() => undefined);
      this.files.clear();
    }
  }

  private async scanLoop(): Promise<void> {
    // Bounded by the signal.
    while (!this.o.signal.aborted) {
      await sleep(this.o.pollIntervalMs, this.o.signal);
      if (this.o.signal.aborted) return;
      try {
        await this.scan(false);
      } catch (error) {
        this.lastError = `scan: ${(error as Error).message}`;
        this.log('error', 'tail_scan_failed', { code: (error as NodeJS.ErrnoException).code, message: (error as Error).message });
      }
    }
  }

  /** Expands the inputs; tracks new files, notices renamed, replaced and vanished ones. */
  private async scan(initial: boolean): Promise<void> {
    const found = await this.expand();
    const candidates: { path: string; format: InputFormat; dev: number; ino: number; size: number; mtimeMs: number }[] = [];
    for (const [path, format] of found) {
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      candidates.push({ path, format, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    }
    // Oldest first, so that yesterday's archive is finished before today's is started.
    // Code-unit order, not localeCompare: that loads ICU's collation data (~3 MB of RSS) for a tiebreak.
    candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const seen = new Set<string>();
    let renamedEntries = false;
    for (const c of candidates) {
      const key = keyOf(c.dev, c.ino);
      seen.add(key);
      const tracked = this.files.get(key);
      if (tracked) {
        if (tracked.path !== c.path) this.log('info', 'tail_file_renamed', { from: tracked.path, to: c.path });
        tracked.path = c.path;
        tracked.rotated = false;
        continue;
      }
      const entry = this.entries.get(key);
      // A dormant file, unchanged since its last commit: nothing to open. Found at another path
      // (renamed while closed or before a restart), its entry follows it, so that no path is ever
      // paired with another file's offset.
      if (entry && entry.offset === c.size && c.mtimeMs <= entry.updatedAtMs) {
        if (entry.file !== c.path) {
          entry.file = c.path;
          renamedEntries = true;
        }
        continue;
      }
      await this.finishReplacedDormant(c.path, key);
      for (const other of this.files.values()) {
        if (other.path === c.path && !other.rotated) {
          other.rotated = true;
          other.lastGrowthMs = this.now();
          this.log('info', 'tail_file_rotated', { path: c.path, old_ino: other.ino, new_ino: c.ino });
        }
      }
      await this.track(c.path, c.format, { initial });
    }
    this.present = seen;
    if (renamedEntries) await this.save();
    for (const [key, t] of this.files) {
      if (!seen.has(key) && !t.rotated) {
        t.rotated = true;
        t.lastGrowthMs = this.now();
        this.log('info', 'tail_file_gone', { path: t.path, ino: t.ino });
      }
    }
  }

  /**
   * A dormant (closed) file whose path now leads to another file was rotated while closed: found
   * beside its path by inode, it is read on from its checkpoint if it grew before the rotation.
   */
  private async finishReplacedDormant(path: string, newKey: string): Promise<void> {
    for (const [key, e] of this.entries) {
      if (e.file !== path || key === newKey || this.files.has(key)) continue;
      const renamed = await this.findSibling(e, (st) => st.dev === e.dev && st.ino === e.ino && st.size > e.offset);
      if (!renamed) continue;
      const t = await this.track(renamed, e.format ?? this.formatOf(path), { rotated: true });
      if (t) {
        this.log('info', 'tail_file_rotated', { path, old_ino: e.ino, renamed });
      }
    }
  }

  private async expand(): Promise<Map<string, InputFormat>> {
    const found = new Map<string, InputFormat>();
    for (const input of this.o.inputs) {
      for (const pattern of input.paths) {
        if (!/[*?[{]/.test(pattern)) {
          if (!found.has(pattern)) found.set(pattern, input.format);
          continue;
        }
        for await (const path of glob(pattern)) if (!found.has(path)) found.set(path, input.format);
      }
    }
    return found;
  }

  /** Opens a file and decides where to start: its checkpoint, else the start position (initial scan) or 0. */
  /**
   * `rotated`: a file found beside an input path (rotated away), followed only to finish what its
   * checkpoint started (or a copy from `startAt`): one whose first bytes changed is not read from 0,
   * its content now belongs to a file tracked at an input path.
   */
  private async track(path: string, format: InputFormat, how: { initial?: boolean; startAt?: number; rotated?: boolean }): Promise<Tracked | undefined> {
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    // Identity from the open handle: the path may have been replaced since it was listed.
    const st = await handle.stat();
    const key = keyOf(st.dev, st.ino);
    if (this.files.has(key) || this.opening.has(key)) {
      await handle.close();
      return this.files.get(key);
    }
    // The scanner and the reader may both find a file: only one opens it.
    this.opening.add(key);
    try {
      return await this.openTracked(path, format, handle, st, key, how);
    } finally {
      this.opening.delete(key);
    }
  }

  private async openTracked(path: string, format: InputFormat, handle: FileHandle, st: { dev: number; ino: number; size: number }, key: string, how: { initial?: boolean; startAt?: number; rotated?: boolean }): Promise<Tracked | undefined> {
    const { initial = false, startAt, rotated = false } = how;
    const head = await leadingBytes(handle);
    const fp = hashBytes(head);
    let offset = startAt ?? 0;
    if (startAt === undefined) {
      const entry = this.entries.get(key);
      const saved = entry ? parseFingerprint(entry.fingerprint) : undefined;
      if (entry && saved && st.size >= entry.offset && (await stillStartsWith(handle, saved))) {
        offset = entry.offset;
      } else if (rotated) {
        await handle.close();
        return undefined;
      } else if (entry) {
        // Same inode but other content (truncated, or the inode reused): the old content may live on in a copy.
        await this.drainCopyOf(entry, st.ino);
        offset = 0;
      } else if (initial && this.o.startPosition === 'end') {
        offset = st.size;
      }
    }
    const t: Tracked = {
      path, format, handle, dev: st.dev, ino: st.ino, fp, head, committed: offset, rotated, lastGrowthMs: this.now(),
      reader: new RecordReader({ format, startOffset: offset, maxRecordBytes: this.o.maxRecordBytes }),
    };
    this.files.set(key, t);
    this.remember(t, offset);
    this.log('info', 'tail_file_opened', { path, ino: st.ino, offset, size: st.size });
    return t;
  }

  /**
   * After a restart, files the checkpoint knows that no input path leads to any more were rotated
   * while the agent was down: found by inode (renamed) or by fingerprint (copied) beside their
   * old path and read on from the checkpoint.
   */
  private async recoverRotatedAway(): Promise<void> {
    for (const [key, entry] of this.entries) {
      if (this.files.has(key) || this.present.has(key)) continue;
      const renamed = await this.findSibling(entry, (st) => st.dev === entry.dev && st.ino === entry.ino);
      const size = renamed === undefined ? undefined : (await stat(renamed).catch(() => undefined))?.size;
      if (renamed !== undefined && size !== undefined && size > entry.offset) {
        await this.track(renamed, entry.format ?? this.formatOf(entry.file), { rotated: true });
      } else if (renamed !== undefined) {
        // Read to its end before the restart: the entry now names where the file is, not its successor's path.
        entry.file = renamed;
      } else if (!this.files.has(key)) {
        this.entries.delete(key); // gone: nothing left to read
      }
    }
  }

  /** Reads a copytruncate copy (same first bytes, other inode, longer than the entry's offset) from the entry's offset. */
  private async drainCopyOf(entry: CheckpointEntry, excludeIno: number, reader?: RecordReader): Promise<Tracked | undefined> {
    const saved = parseFingerprint(entry.fingerprint);
    // An empty file's fingerprint matches anything: with nothing read there is no copy to find.
    if (!saved || (saved.bytes === 0 && entry.offset === 0)) return undefined;
    if (saved.bytes < Math.min(entry.offset, FINGERPRINT_BYTES)) {
      // Bytes were read that the fingerprint does not cover: any file starting alike would pass for the copy.
      this.log('warn', 'tail_copy_unidentified', { path: entry.file, offset: entry.offset, fingerprint_bytes: saved.bytes });
      return undefined;
    }
    const copy = await this.findSibling(entry, (st) => st.ino !== excludeIno && st.size > entry.offset, saved);
    if (!copy) return undefined;
    const st = await stat(copy);
    const overwritten = this.files.get(keyOf(st.dev, st.ino));
    if (overwritten) {
      // The copy was written over a rotated file still followed (cp onto an existing .1 keeps its inode): that content is gone.
      await overwritten.handle.close().catch(() => undefined);
      this.files.delete(keyOf(st.dev, st.ino));
      this.log('warn', 'tail_rotated_file_overwritten', { path: overwritten.path, ino: st.ino, offset: overwritten.reader.readOffset });
    }
    const t = await this.track(copy, entry.format ?? this.formatOf(entry.file), { startAt: entry.offset, rotated: true });
    if (!t) return undefined;
    if (reader && reader.readOffset === entry.offset) t.reader = reader;
    this.log('info', 'tail_copy_found', { path: entry.file, copy, offset: entry.offset });
    return t;
  }

  /** A file beside `entry.file` whose name starts with its name (alerts.json.1, alerts.json-2026…). */
  private async findSibling(entry: TailPosition, test: (st: { dev: number; ino: number; size: number }) => boolean, fp?: Fingerprint): Promise<string | undefined> {
    const dir = dirname(entry.file);
    const base = basename(entry.file);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (!name.startsWith(base)) continue;
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      // A followed file is skipped, unless looking for a copy by its first bytes (which may have been written over it).
      if (!st?.isFile() || !test(st) || (!fp && this.files.has(keyOf(st.dev, st.ino)))) continue;
      if (fp) {
        const handle = await open(path, 'r').catch(() => undefined);
        if (!handle) continue;
        const same = await stillStartsWith(handle, fp).finally(() => handle.close());
        if (!same) continue;
      }
      return path;
    }
    return undefined;
  }

  private formatOf(path: string): InputFormat {
    for (const input of this.o.inputs) if (input.paths.includes(path)) return input.format;
    return this.o.inputs[0]?.format ?? 'auto';
  }

  /** Reads every followed file, oldest first (a rotated-away file before its successor). */
  private async readAll(final: boolean): Promise<void> {
    for (const [key, t] of [...this.files]) {
      if (this.o.signal.aborted) return;
      let state: 'open' | 'finished' | 'dormant';
      try {
        state = await this.readFile(t, final);
      } catch (error) {
        // One unreadable file (EIO, a permission change) must not stop the others: it is tried again next poll.
        this.lastError = `${t.path}: ${(error as Error).message}`;
        this.log('error', 'tail_read_failed', { path: t.path, code: (error as NodeJS.ErrnoException).code, message: (error as Error).message });
        continue;
      }
      if (state !== 'open') {
        await t.handle.close().catch(() => undefined);
        this.files.delete(key);
        if (state === 'finished') {
          this.log('info', 'tail_file_finished', { path: t.path, ino: t.ino, offset: t.committed });
          await this.renameFinishedEntry(t, key);
        }
        else this.log('debug', 'tail_file_dormant', { path: t.path, ino: t.ino, offset: t.committed });
      }
    }
  }

  /**
   * Reads one file to its current end, delivering in batches. `finished`: rotated away and read to
   * its end; `dormant`: idle for `closeIdleAfterMs` with everything committed, so its descriptor is
   * closed and only its path is looked at (a year of daily archives costs a stat each per poll).
   */
  private async readFile(t: Tracked, final: boolean): Promise<'open' | 'finished' | 'dormant'> {
    // Each poll of each file: a direct fstat (quick, no disk wait), not a promise through the thread pool.
    const st = fstatSync(t.handle.fd);
    if (st.size < t.reader.readOffset || (st.size >= t.fp.bytes && !(await stillStartsWith(t.handle, t.fp)))) {
      if (t.rotated && (await this.isCopyOfAnother(t))) {
        // A rotated file written over by a copy of a file followed at its own path (cp onto an existing .1): that content is the other file's.
        this.log('warn', 'tail_rotated_file_overwritten', { path: t.path, ino: t.ino, offset: t.reader.readOffset, size: st.size });
        return 'finished';
      }
      // Truncated (copytruncate, perhaps before it was renamed): its copy first, then what it holds now from 0.
      await this.restartTruncated(t, st.size);
    }
    // One read buffer for every poll (the reader copies what it keeps); a nested read (a copytruncate copy) takes its own.
    const buffer = !this.readBufferInUse ? this.readBuffer : Buffer.allocUnsafe(this.o.readChunkBytes);
    const shared = buffer === this.readBuffer;
    if (shared) this.readBufferInUse = true;
    try {
      return await this.readInto(t, st, buffer, final);
    } finally {
      if (shared) this.readBufferInUse = false;
    }
  }

  private async readInto(t: Tracked, st: { size: number }, buffer: Buffer, final: boolean): Promise<'open' | 'finished' | 'dormant'> {
    // Each record is made (its time found, and encoded by makeRecord) as it comes out of the
    // reader: its text is not kept until the batch is full.
    let batch: AgentRecord[] = [];
    let batchEnd = 0;
    let batchBytes = 0;
    let grew = false;
    const add = async (records: ReadRecord[]): Promise<void> => {
      const readTimeMs = this.now();
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        records[i] = undefined as unknown as ReadRecord; // its text may die now
        batch.push(this.makeRecord(r.text, eventTimeOf(r.text, t.format, readTimeMs)));
        batchEnd = r.endOffset;
        batchBytes += r.text.length;
        if (batch.length >= this.o.maxBatchRecords || batchBytes >= this.o.maxBatchBytes) {
          await this.deliver(t, batch, batchEnd);
          batch = [];
          batchBytes = 0;
        }
      }
    };
    // Bounded: each read advances the offset and the file's size at `stat` time is the end; growth during the loop waits for the next cycle.
    while (t.reader.readOffset < st.size && !this.o.signal.aborted) {
      const want = Math.min(buffer.length, st.size - t.reader.readOffset);
      const at = t.reader.readOffset;
      const { bytesRead } = await t.handle.read(buffer, 0, want, at);
      if (bytesRead === 0) break;
      grew = true;
      if (at <= t.head.length && t.head.length < FINGERPRINT_BYTES && at + bytesRead > t.head.length) {
        t.head = Buffer.concat([t.head, buffer.subarray(t.head.length - at, Math.min(bytesRead, FINGERPRINT_BYTES - at))]);
      }
      await add(t.reader.push(buffer.subarray(0, bytesRead)));
    }
    if (this.o.signal.aborted) {
      if (batch.length > 0) await this.deliver(t, batch, batchEnd);
      return 'open';
    }
    const now = this.now();
    if (grew) {
      t.lastGrowthMs = now;
      // The bytes read, not the file read again: it may have been truncated and written since.
      if (t.head.length > t.fp.bytes) t.fp = hashBytes(t.head);
    }
    const idle = now - t.lastGrowthMs >= this.o.idleFlushMs;
    const finished = t.rotated && (idle || final);
    if (t.reader.hasPending && (idle || final)) await add(t.reader.flushOpenRecord(finished));
    if (batch.length > 0) await this.deliver(t, batch, batchEnd);
    else if (t.reader.safeOffset > t.committed) await this.commit(t, t.reader.safeOffset);
    if (finished && !t.reader.hasPending) return 'finished';
    const quiet = !t.rotated && !t.reader.hasPending && t.committed === t.reader.readOffset && now - t.lastGrowthMs >= this.o.closeIdleAfterMs;
    return quiet ? 'dormant' : 'open';
  }

  /**
   * A finished file's checkpoint entry names the path it was followed at, which now leads to its
   * successor: it is renamed to where the file went (found by inode beside it), or dropped when the
   * file is gone, so that the checkpoint and status never pair a path with another file's offset.
   */
  private async renameFinishedEntry(t: Tracked, key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry || this.files.has(key) || entry.ino !== t.ino) return;
    const renamed = await this.findSibling(entry, (st) => st.dev === t.dev && st.ino === t.ino);
    if (this.files.has(key)) return;
    if (renamed) entry.file = renamed;
    else this.entries.delete(key);
    await this.save();
  }

  private async isCopyOfAnother(t: Tracked): Promise<boolean> {
    for (const other of this.files.values()) {
      if (other !== t && other.fp.bytes > 0 && (await stillStartsWith(t.handle, other.fp))) return true;
    }
    return false;
  }

  /** The file shrank below the read offset or its first bytes changed: a copytruncate copy is read first, then the file from 0. */
  private async restartTruncated(t: Tracked, size: number): Promise<void> {
    this.log('info', 'tail_file_truncated', { path: t.path, offset: t.reader.readOffset, size });
    const old: CheckpointEntry = { ...this.positionOf(t, t.reader.readOffset), updatedAtMs: this.now() };
    const copy = await this.drainCopyOf(old, t.ino, t.reader);
    // The copy holds what was appended since the last read: it goes before the file's new content.
    if (copy) await this.readFile(copy, false);
    t.reader = new RecordReader({ format: t.format, startOffset: 0, maxRecordBytes: this.o.maxRecordBytes });
    t.head = await leadingBytes(t.handle);
    t.fp = hashBytes(t.head);
    t.committed = 0;
    t.lastGrowthMs = this.now();
    await this.commit(t, 0);
  }

  /** Hands a batch (records ending at file offset `offset`) to the sink until it accepts it, then saves the checkpoint. */
  private async deliver(t: Tracked, records: AgentRecord[], offset: number): Promise<void> {
    // After a batch was given up at shutdown nothing may be committed past it (a later batch accepted would hide the gap).
    if (this.abandoned) return;
    const batch: RecordBatch = { records, position: this.positionOf(t, offset) };
    // Bounded by the signal (and the shutdown grace for a call in flight).
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.callSink(batch);
      if (outcome === 'ok') break;
      if (outcome === 'shutdown') {
        this.abandoned = true;
        return;
      }
      this.counters.sinkFailures++;
      this.lastError = outcome.message;
      this.log('warn', 'tail_sink_rejected', { path: t.path, attempt, records: records.length, message: outcome.message });
      await sleep(retryDelayMs(attempt, SINK_RETRY), this.o.signal);
      if (this.o.signal.aborted) {
        this.abandoned = true;
        return;
      }
    }
    this.counters.recordsDelivered += records.length;
    this.counters.batchesDelivered++;
    await this.commit(t, offset);
  }

  private async callSink(batch: RecordBatch): Promise<'ok' | 'shutdown' | Error> {
    // A sink that throws instead of rejecting is treated the same.
    const call = Promise.resolve()
      .then(() => this.o.sink(batch))
      .then(() => 'ok' as const, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (!this.o.signal.aborted) {
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        this.o.signal.addEventListener('abort', onAbort, { once: true });
      });
      const first = await Promise.race([call, aborted]);
      // One listener per call on a long-lived signal would pile up.
      this.o.signal.removeEventListener('abort', onAbort!);
      if (first !== 'aborted') return first;
    }
    // Shutting down: give the call in flight a grace period so that its checkpoint can be saved.
    return settleWithin(call, this.o.shutdownGraceMs, 'shutdown' as const);
  }

  private positionOf(t: Tracked, offset: number): TailPosition {
    return { file: t.path, dev: t.dev, ino: t.ino, fingerprint: formatFingerprint(t.fp), offset };
  }

  private async commit(t: Tracked, offset: number): Promise<void> {
    if (this.abandoned) return;
    t.committed = offset;
    this.remember(t, offset);
    await this.save();
  }

  private remember(t: Tracked, offset: number): void {
    this.entries.set(keyOf(t.dev, t.ino), { ...this.positionOf(t, offset), format: t.format, updatedAtMs: this.now() });
  }

  private async save(): Promise<void> {
    const cutoff = this.now() - this.o.checkpointRetentionMs;
    for (const [key, e] of this.entries) if (!this.files.has(key) && !this.present.has(key) && e.updatedAtMs < cutoff) this.entries.delete(key);
    try {
      await saveCheckpoint(this.o.checkpointFile, this.entries.values());
    } catch (error) {
      // Reading goes on: an unsaved checkpoint means records read again after a restart, never lost ones.
      this.lastError = `checkpoint ${this.o.checkpointFile}: ${(error as Error).message}`;
      this.log('error', 'tail_checkpoint_save_failed', { file: this.o.checkpointFile, code: (error as NodeJS.ErrnoException).code, message: (error as Error).message });
    }
  }
}

/** Follows files until `options.signal` aborts (or once); see `FileTailer` for status. */
export async function followFiles(options: FollowOptions): Promise<void> {
  await new FileTailer(options).run();
}
