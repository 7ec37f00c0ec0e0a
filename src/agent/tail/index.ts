/**
 * @module The agent's tail: files (paths or globs) → records, handed to a `RecordSink` with
 * checkpoints saved only after the sink resolved. The surface the agent composes:
 *
 * - `followFiles(options)` / `new FileTailer(options).run()`: follow until `options.signal` aborts
 *   (SIGTERM: abort it; the batch in flight gets `shutdownGraceMs` to be accepted and checkpointed),
 *   or read what is there and return with `once: true`.
 * - `FileTailer.status()`: files followed with committed and read offsets, counters, last error.
 * - `loadCheckpoint(path)`: the saved positions (for `hidsmon agent status` without a running agent).
 */
export { FileTailer, followFiles, type FollowOptions, type FollowedFile, type TailInput, type TailLog, type TailLogLevel, type TailStatus } from './follow.js';
export { INPUT_FORMATS, type InputFormat } from './record-reader.js';
export { CHECKPOINT_VERSION, loadCheckpoint, type CheckpointEntry } from './checkpoint.js';
export { eventTimeOf } from './event-time.js';
