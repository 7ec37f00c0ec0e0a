/**
 * @module The agent's view of its follower (tail): the files followed and their offsets, "caught
 * up" for `--once`, and close (checkpoints saved). STAND-IN until src/agent/tail/index.ts lands: it
 * reads each input file (no globs, no rotation) from its checkpointed offset, in whole lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open, rename, stat, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AgentInput } from './config.js';
import type { RecordSink } from './record.js';
import type { FollowedFileStatus } from './status-file.js';

export interface FollowerOptions {
  inputs: AgentInput[];
  checkpointFile: string;
  startPosition: 'start' | 'end';
  sink: RecordSink;
  signal: AbortSignal;
  log: Logger;
  once: boolean;
}

export interface Follower {
  files(): FollowedFileStatus[];
  /** Resolves when every file was read to the end it had when asked, and the sink took it. */
  caughtUp(): Promise<void>;
  /** Settles when the follower stopped by itself (never, unless it failed). */
  ended: Promise<void>;
  /** Stops reading; the checkpoints are saved. */
  close(): Promise<void>;
}

export async function startFollower(options: FollowerOptions): Promise<Follower> {
  const offsets = new Map<string, { offset: number; size: number }>(existsSync(options.checkpointFile) ? Object.entries(JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, { offset: number; size: number }>) : []);
  const save = async (): Promise<void> => {
    await writeFile(`${options.checkpointFile}.tmp`, JSON.stringify(Object.fromEntries(offsets)));
    await rename(`${options.checkpointFile}.tmp`, options.checkpointFile);
  };
  async function readOnce(): Promise<void> {
    for (const input of options.inputs) {
      if (options.signal.aborted) return;
      const info = await stat(input.path).catch(() => undefined);
      if (!info) continue;
      const known = offsets.get(input.path) ?? { offset: options.startPosition === 'end' ? info.size : 0, size: info.size };
      if (info.size <= known.offset) continue;
      const handle = await open(input.path);
      try {
        const buffer = Buffer.alloc(info.size - known.offset);
        await handle.read(buffer, 0, buffer.length, known.offset);
        const end = buffer.lastIndexOf(10) + 1;
        if (end === 0) continue;
        const lines = buffer.subarray(0, end).toString('utf8').split('\n').filter((l) => l !== '');
        await options.sink({ records: lines.map((message) => ({ timestampMs: Date.now(), message })), position: { file: input.path, dev: info.dev, ino: info.ino, fingerprint: '', offset: known.offset + end } });
        offsets.set(input.path, { offset: known.offset + end, size: info.size });
        await save();
      } finally {
        await handle.close();
      }
    }
  }
  let loop = Promise.resolve();
  const ended = (async () => {
    while (!options.signal.aborted) {
      await (loop = readOnce());
      await new Promise((done) => setTimeout(done, 250));
    }
  })();
  return {
    files: () => [...offsets].map(([file, o]) => ({ file, offset: o.offset, size: o.size })),
    caughtUp: async () => {
      await loop;
      await (loop = readOnce());
    },
    ended: new Promise<void>(() => {}),
    close: async () => {
      await ended.catch(() => undefined);
      await save();
    },
  };
}
