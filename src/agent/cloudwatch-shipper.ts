/**
 * @module Ships log events to CloudWatch Logs (or to hidsmon, which speaks the same API) with the
 * AWS SDK v3: batches within PutLogEvents' limits, creates the group and stream when missing, and
 * retries what can succeed later. A full buffer is backpressure, not loss: `push` waits.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

/** PutLogEvents limits (cloudwatch-logs reference §5). */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;
const MAX_SPAN_MS = 24 * 3_600_000;

export interface ShipperOptions {
  client: CloudWatchLogsClient;
  logGroup: string;
  logStream: string;
  /** Send at least this often while events wait (the blog's agent: buffer_duration 5000 ms). */
  flushIntervalMs?: number;
  /** Events held before `push` waits. */
  maxBufferedEvents?: number;
  onError?: (error: Error, attempt: number) => void;
}

/** Splits events (in time order) into PutLogEvents batches: ≤ 10,000 events, ≤ 1 MiB with overhead, ≤ 24 h. */
export function planBatches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const batches: InputLogEvent[][] = [];
  let batch: InputLogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message ?? '') + EVENT_OVERHEAD_BYTES;
    const first = batch[0]?.timestamp ?? 0;
    if (batch.length > 0 && (batch.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES || (event.timestamp ?? 0) - first > MAX_SPAN_MS)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** An event longer than CloudWatch takes is cut, and says so, rather than refused with its batch. */
export function fitMessage(message: string): string {
  if (Buffer.byteLength(message) <= MAX_EVENT_BYTES) return message;
  const marker = ' …[truncated by hidsmon]';
  let cut = Buffer.from(message).subarray(0, MAX_EVENT_BYTES - Buffer.byteLength(marker)).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + marker;
}

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InternalServerException', 'OperationAbortedException', 'LimitExceededException']);

export class CloudWatchShipper {
  private buffer: InputLogEvent[] = [];
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private created = false;
  private closed = false;
  shipped = 0;

  constructor(private readonly options: ShipperOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Queues events; waits while the buffer is full (backpressure). */
  async push(events: readonly InputLogEvent[]): Promise<void> {
    const max = this.options.maxBufferedEvents ?? 50_000;
    while (this.buffer.length >= max && !this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    for (const e of events) this.buffer.push({ timestamp: e.timestamp, message: fitMessage(e.message ?? '') });
  }

  /** Sends what is buffered; calls are serialized. */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.sendBuffered());
    return this.sending;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async sendBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    const events = this.buffer.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    this.buffer = [];
    for (const wake of this.waiting.splice(0)) wake();
    for (const batch of planBatches(events)) await this.send(batch);
  }

  private async send(batch: InputLogEvent[]): Promise<void> {
    const { client, logGroup, logStream } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.created) await this.ensureStream();
        await client.send(new PutLogEventsCommand({ logGroupName: logGroup, logStreamName: logStream, logEvents: batch }));
        this.shipped += batch.length;
        return;
      } catch (e) {
        const error = e as Error & { $metadata?: { httpStatusCode?: number } };
        this.options.onError?.(error, attempt);
        if (error.name === 'ResourceNotFoundException') this.created = false;
        else if (!RETRYABLE.has(error.name) && (error.$metadata?.httpStatusCode ?? 500) < 500 && error.name !== 'TimeoutError' && !('code' in error)) throw error;
        if (this.closed && attempt >= 3) throw error;
        await new Promise((r) => setTimeout(r, Math.min(30_000, 200 * 2 ** Math.min(attempt, 8))));
      }
    }
  }

  /** The CloudWatch agent's way: create the stream, and the group first if it is missing. */
  private async ensureStream(): Promise<void> {
    const { client, logGroup, logStream } = this.options;
    try {
      await client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream }));
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'ResourceNotFoundException') {
        try {
          await client.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
        } catch (g) {
          if ((g as Error).name !== 'ResourceAlreadyExistsException') throw g;
        }
        try {
          await client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream }));
        } catch (s) {
          if ((s as Error).name !== 'ResourceAlreadyExistsException') throw s;
        }
      } else if (name !== 'ResourceAlreadyExistsException') throw e;
    }
    this.created = true;
  }
}
