/**
 * @module Where the text index's segments (text-segment.ts, one per closed index day) are kept: as
 * files in a directory beside the index file, each written whole and durably (a temporary file,
 * fsync, rename, fsync of the directory) before the index records it, and read by pread at offsets;
 * or in memory for an index in memory. Open segments are cached, a bounded number of them, so that
 * answers do not reopen a file each time and file descriptors stay few.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ByteSource } from './text-segment.js';

/** Errors of the index's segments, with stable codes. */
export class TextSegmentStoreError extends Error {
  constructor(
    readonly code:
      /** compactDay was given another number of rows than the index counts for the day, or rows of another day. */
      | 'TEXT_SEGMENT_COUNT_MISMATCH'
      /** compactDay on an index opened without `segments`. */
      | 'TEXT_SEGMENTS_OFF'
      /** A recorded segment's file is gone (deleted by another connection since the answer's snapshot, or lost). */
      | 'TEXT_SEGMENT_GONE',
    message: string,
  ) {
    super(message);
    this.name = 'TextSegmentStoreError';
  }
}

/** A segment's bytes, open for reading until closed. */
export interface OpenedSource extends ByteSource {
  close(): void;
}

/** Where segments are kept, by name. */
export interface SegmentStore {
  /** Writes a segment durably under `name` (never seen half-written under it). */
  write(name: string, bytes: Uint8Array): void;
  /** The segment's bytes; throws TEXT_SEGMENT_GONE when there is none under the name. */
  open(name: string): OpenedSource;
  /** Removes a segment, or any file left beside them (no error when there is none). */
  remove(name: string): void;
  /** Every name present, temporary files included. */
  names(): string[];
}

/** Temporary files are named so; never a segment's name (those end in SEGMENT_SUFFIX). */
const TEMP_SUFFIX = '.tmp';
export const SEGMENT_SUFFIX = '.seg';

/** Segments as files in `dir` (created on the first write). */
export class FileSegmentStore implements SegmentStore {
  constructor(readonly dir: string) {}

  write(name: string, bytes: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    const temp = join(this.dir, `${name}${TEMP_SUFFIX}`);
    const fd = openSync(temp, 'w');
    try {
      try {
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, join(this.dir, name));
    } catch (e) {
      // A full disk, say: nothing half-written is left (else the next open removes it).
      rmSync(temp, { force: true });
      throw e;
    }
    // The rename is durable only once the directory is: else a power cut could leave the record
    // committed (the index's WAL) and the name gone.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  open(name: string): OpenedSource {
    let fd: number;
    try {
      fd = openSync(join(this.dir, name), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TextSegmentStoreError('TEXT_SEGMENT_GONE', `The text index segment ${name} is gone.`);
      throw e;
    }
    const size = fstatSync(fd).size;
    let open = true;
    return {
      size,
      read(offset: number, length: number): Uint8Array {
        if (!open) throw new Error(`The text index segment ${name} was closed.`);
        const out = new Uint8Array(length);
        for (let done = 0; done < length; ) {
          const n = readSync(fd, out, done, length - done, offset + done);
          // A read past the end: the codec checks offsets against `size`, so the file shrank.
          if (n === 0) throw new TextSegmentStoreError('TEXT_SEGMENT_GONE', `The text index segment ${name} ends before ${offset + length}.`);
          done += n;
        }
        return out;
      },
      close(): void {
        if (!open) return;
        open = false;
        closeSync(fd);
      },
    };
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}

/** Segments in memory, for an index in memory (one connection: nothing to share). */
export class MemorySegmentStore implements SegmentStore {
  private readonly segments = new Map<string, Uint8Array>();

  write(name: string, bytes: Uint8Array): void {
    this.segments.set(name, bytes);
  }

  open(name: string): OpenedSource {
    const bytes = this.segments.get(name);
    if (bytes === undefined) throw new TextSegmentStoreError('TEXT_SEGMENT_GONE', `The text index segment ${name} is gone.`);
    return {
      size: bytes.length,
      read: (offset, length) => bytes.subarray(offset, offset + length),
      close: () => undefined,
    };
  }

  remove(name: string): void {
    this.segments.delete(name);
  }

  names(): string[] {
    return [...this.segments.keys()];
  }
}

/**
 * Open segments by name, the least recently used closed past `max`. `T` is what a segment is read
 * as (text-segment.ts's TextSegment), made by `read` over its bytes; a source is closed when its
 * segment leaves the cache.
 */
export class SegmentReaders<T> {
  private readonly open = new Map<string, { reader: T; source: OpenedSource }>();

  constructor(
    private readonly store: SegmentStore,
    private readonly read: (source: ByteSource) => T,
    private readonly max: number,
  ) {}

  /** How many segments are open. */
  get size(): number {
    return this.open.size;
  }

  /** The segment under `name`, opened if it is not (TEXT_SEGMENT_GONE when there is none). */
  get(name: string): T {
    const cached = this.open.get(name);
    if (cached !== undefined) {
      this.open.delete(name);
      this.open.set(name, cached);
      return cached.reader;
    }
    const source = this.store.open(name);
    let reader: T;
    try {
      reader = this.read(source);
    } catch (e) {
      source.close();
      throw e;
    }
    this.open.set(name, { reader, source });
    while (this.open.size > this.max) this.close(this.open.keys().next().value as string);
    return reader;
  }

  /** Closes every open segment but those named. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of [...this.open.keys()]) if (!names.has(name)) this.close(name);
  }

  close(name: string): void {
    const cached = this.open.get(name);
    if (cached === undefined) return;
    this.open.delete(name);
    cached.source.close();
  }

  closeAll(): void {
    for (const name of [...this.open.keys()]) this.close(name);
  }
}
