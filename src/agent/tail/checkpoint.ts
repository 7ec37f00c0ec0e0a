/**
 * @module The tail's checkpoint file: versioned JSON, one entry per file identity (device, inode,
 * fingerprint) with the offset before which everything was accepted by the sink. Written via a
 * temp file, fsync and rename (then the directory fsync'd), so a crash leaves the old or the new
 * checkpoint, never a torn one.
 */
import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncFd } from '../fsync.js';
import type { TailPosition } from '../record.js';
import { INPUT_FORMATS, type InputFormat } from './record-reader.js';
import { err, ok, type Result } from '../../core/result.js';

export const CHECKPOINT_VERSION = 1;

export interface CheckpointEntry extends TailPosition {
  /** When the entry last changed (epoch ms): old entries of files long gone are pruned. */
  updatedAtMs: number;
  /** The input format the file was read in (for a rotated file found again after a restart). */
  format?: InputFormat;
}

export interface CheckpointError {
  code: 'checkpoint_unreadable' | 'checkpoint_invalid' | 'checkpoint_version';
  message: string;
}

export function encodeCheckpoint(entries: Iterable<CheckpointEntry>): string {
  return `${JSON.stringify({ version: CHECKPOINT_VERSION, files: [...entries] }, null, 1)}\n`;
}

export function decodeCheckpoint(text: string): Result<CheckpointEntry[], CheckpointError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err({ code: 'checkpoint_invalid', message: `The checkpoint is not JSON: ${(error as Error).message}` });
  }
  if (typeof value !== 'object' || value === null) return err({ code: 'checkpoint_invalid', message: 'The checkpoint is not an object.' });
  const { version, files } = value as { version?: unknown; files?: unknown };
  if (version !== CHECKPOINT_VERSION) return err({ code: 'checkpoint_version', message: `Checkpoint version ${String(version)} is not ${CHECKPOINT_VERSION}.` });
  if (!Array.isArray(files)) return err({ code: 'checkpoint_invalid', message: 'The checkpoint has no "files" list.' });
  const entries: CheckpointEntry[] = [];
  for (const f of files as unknown[]) {
    const e = f as Partial<CheckpointEntry> | null;
    if (e && typeof e.file === 'string' && Number.isSafeInteger(e.dev) && Number.isSafeInteger(e.ino) && typeof e.fingerprint === 'string' && Number.isSafeInteger(e.offset) && e.offset! >= 0) {
      const entry: CheckpointEntry = { file: e.file, dev: e.dev!, ino: e.ino!, fingerprint: e.fingerprint, offset: e.offset!, updatedAtMs: Number.isFinite(e.updatedAtMs) ? e.updatedAtMs! : 0 };
      if (e.format !== undefined && INPUT_FORMATS.includes(e.format)) entry.format = e.format;
      entries.push(entry);
    }
  }
  return ok(entries);
}

/** Reads the checkpoint; a missing file is an empty checkpoint. */
export async function loadCheckpoint(path: string): Promise<Result<CheckpointEntry[], CheckpointError>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
    return err({ code: 'checkpoint_unreadable', message: `Cannot read ${path}: ${(error as Error).message}` });
  }
  return decodeCheckpoint(text);
}

/** Replaces the checkpoint atomically and durably. */
export async function saveCheckpoint(path: string, entries: Iterable<CheckpointEntry>): Promise<void> {
  // One fixed name (one agent per checkpoint): a process killed mid-write leaves no litter behind.
  // Opening, writing a few KB, closing and renaming are quick system calls made directly; only the
  // two fsyncs, which wait for the disk, go to the thread pool. As promises on FileHandles, these
  // eight steps per poll were a good part of the agent's fixed cost per second (bench/agent.bench.ts).
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeFileSync(fd, encodeCheckpoint(entries));
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // gone already
    }
    throw error;
  }
  // The rename itself is durable only once the directory is.
  const dir = openSync(dirname(path), 'r');
  try {
    await fsyncFd(dir);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    closeSync(dir);
  }
}
