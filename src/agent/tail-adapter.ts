/**
 * @module The agent's view of its follower (tail/): the files followed and their committed offsets,
 * "caught up" for `--once`, and close (the batch in flight accepted and checkpointed, then stop).
 */
import type { Logger } from 'pino';
import type { AgentInput } from './config.js';
import type { AgentRecord, RecordSink } from './record.js';
import type { FollowedFileStatus } from './status-file.js';
import { FileTailer, loadCheckpoint } from './tail/index.js';

export interface FollowerOptions {
  inputs: AgentInput[];
  checkpointFile: string;
  startPosition: 'start' | 'end';
  sink: RecordSink;
  /** Makes each record as it is read (the shipper's: encoded for the spool at once). */
  makeRecord?: (message: string, timestampMs: number) => AgentRecord;
  signal: AbortSignal;
  log: Logger;
  once: boolean;
}

export interface Follower {
  files(): FollowedFileStatus[];
  /** `--once`: resolves when every file was read to its end and the sink took it, checkpoints saved. */
  caughtUp(): Promise<void>;
  /** Settles when the follower stopped (after `signal`, or `--once` done; rejects if it failed). */
  ended: Promise<void>;
  /** Waits for the follower to stop after `signal` aborted; the checkpoints are saved by then. */
  close(): Promise<void>;
  /** Tail's own counters (records and batches delivered, sink failures), for status.json. */
  details(): Record<string, unknown>;
}

export async function startFollower(options: FollowerOptions): Promise<Follower> {
  const { log } = options;
  const tailer = new FileTailer({
    inputs: options.inputs.map((input) => ({ paths: [input.path], format: input.format })),
    checkpointFile: options.checkpointFile,
    startPosition: options.startPosition,
    sink: options.sink,
    ...(options.makeRecord ? { makeRecord: options.makeRecord } : {}),
    signal: options.signal,
    once: options.once,
    // Once a second: each poll that finds new lines costs a spool write and a checkpoint, both
    // fsync'd; at 250 ms that was most of the agent's CPU at 1,000 alerts/s, and 1 s against 500 ms
    // is ~15% less of it (bench/agent.bench.ts). The shipper waits for company for
    // buffer_duration_ms (1 s) anyway, so an alert ships within about 2 s.
    pollIntervalMs: 1000,
    // Catching up (a backlog, --once), 4 MiB per sink call: a quarter of the fsyncs of 1 MiB ones, which bound the rate.
    maxBatchBytes: 4 * 1024 * 1024,
    maxBatchRecords: 20_000,
    log: (level, event, fields) => log[level](fields, event),
  });
  // Once stopped the tailer has closed its files; what it saved is then the truth to show.
  let saved: FollowedFileStatus[] | undefined;
  const ended = tailer.run().finally(async () => {
    const loaded = await loadCheckpoint(options.checkpointFile);
    saved = loaded.ok ? loaded.value.map((e) => ({ file: e.file, offset: e.offset })) : [];
  });
  ended.catch(() => undefined); // observed by whoever awaits `ended`; never an unhandled rejection
  return {
    files: () => saved ?? tailer.status().files.map((f) => ({ file: f.path, offset: f.committedOffset, readOffset: f.readOffset, ...(f.rotated ? { rotated: true } : {}) })),
    caughtUp: () => ended,
    ended,
    close: () => ended.catch(() => undefined),
    details: () => {
      const { files: _files, ...counters } = tailer.status();
      return counters;
    },
  };
}
