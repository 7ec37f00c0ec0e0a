/**
 * @module The contract between the agent's tail (files → records) and ship (records → spool →
 * CloudWatch Logs): at-least-once, nothing lost. Tail saves a checkpoint only after the sink resolved.
 */

export interface AgentRecord {
  /** Event time, epoch ms: the alert's own time when the parser finds one, else the read time. */
  timestampMs: number;
  /** The event's message: one alerts.json line, or one whole multi-line alerts.log record (no trailing newline). */
  message: string;
}

/** Where a batch of records ends in its file; saving it means "everything before this is safe". */
export interface TailPosition {
  file: string;
  dev: number;
  ino: number;
  fingerprint: string;
  offset: number;
}

/** What tail hands on: records of one file in order, and the position after the last. */
export interface RecordBatch {
  records: AgentRecord[];
  position: TailPosition;
}

/**
 * Tail calls this and saves its checkpoint only after the promise resolves (the records are durable
 * in the spool). A rejection means: stop reading and retry later; a pending promise is backpressure.
 */
export type RecordSink = (batch: RecordBatch) => Promise<void>;
