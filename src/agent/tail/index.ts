/**
 * @module The agent's tail: files (paths or globs) → records, handed to a `RecordSink` with
 * checkpoints saved only after the sink resolved (at-least-once; OSSEC alert ids make repeats
 * harmless downstream).
 *
 * Surface for the agent:
 * - `new FileTailer(options).run()` (or `followFiles(options)`): follows until `options.signal`
 *   aborts; on abort (SIGTERM) the batch in flight gets `shutdownGraceMs` to be accepted, then the
 *   checkpoint is saved and `run()` resolves. With `once: true` it reads what is there and returns.
 *   It rejects only when the checkpoint file exists but cannot be read (code `checkpoint_*`).
 * - `FileTailer.status()`: files followed (committed and read offsets, rotated), counters
 *   (recordsDelivered, batchesDelivered, sinkFailures) and the last error.
 * - `loadCheckpoint(path)`: the saved positions, for `hidsmon agent status` without a running agent.
 * - `INPUT_FORMATS` / `InputFormat`: auto, ossec-json, wazuh-json, alerts-log, raw.
 *
 * Behaviour:
 * - Identity is device + inode + SHA-256 of the first ≤1 KiB. Files are polled (`pollIntervalMs`,
 *   250 ms): fs.watch misses events across renames.
 * - Rename-and-create: the old file is read to its end by its open descriptor and closed once idle
 *   for `idleFlushMs`; the new one is read from 0. After a restart, a renamed file is found beside
 *   its old path by inode. Copytruncate: when a file shrinks below the read offset or its first
 *   bytes change, a sibling copy with the old first bytes is read from the old offset first (so
 *   lines appended just before the truncation are not lost), then the file from 0.
 * - A partial last line waits for its newline, as Vector's file source does: never shipped on
 *   shutdown (the checkpoint stays before it; it is read again after a restart). Only a file
 *   rotated away and idle for `idleFlushMs` has its unterminated last line shipped (nothing will
 *   ever complete it). A multi-line alerts.log record ends at the next `** Alert` header, or once
 *   the file has been idle for `idleFlushMs`.
 * - Invalid UTF-8 becomes U+FFFD (lines are split on bytes, then decoded: no sequence is cut).
 * - A line or record over `maxRecordBytes` (1 MiB) is passed on cut there (between characters):
 *   the ship side splits or truncates events to CloudWatch's limit and flags them.
 * - Files idle for `closeIdleAfterMs` (5 min) with everything committed are closed and only
 *   stat'ed, so a glob over years of daily archives stays cheap.
 * - Files are discovered on their own loop (also while the sink holds reading back), so each
 *   rename-and-create generation is opened and held by its descriptor while it sits at the path.
 * - Not covered, as with any polling, checkpointing tailer: two rotations within one poll (the
 *   middle file is never seen at the path); more than one rotation while the agent is down (the
 *   middle file is unknown to the checkpoint); more than one copytruncate while reading is behind
 *   (a copy is matched by the first bytes the tailer knew).
 */
export { FileTailer, followFiles, type FollowOptions, type FollowedFile, type TailInput, type TailLog, type TailLogLevel, type TailStatus } from './follow.js';
export { INPUT_FORMATS, type InputFormat } from './record-reader.js';
export { CHECKPOINT_VERSION, loadCheckpoint, type CheckpointEntry } from './checkpoint.js';
export { eventTimeOf } from './event-time.js';
