/**
 * @module One PutLogEvents batch delivered with the agent's CloudWatch Logs client, as an outcome:
 * creates the group and stream when missing (without Describe*, which a least-privilege key may not
 * have), follows legacy sequence tokens (InvalidSequenceToken → the expected token;
 * DataAlreadyAccepted = done), and sorts failures into retryable (throttling, 5xx, network) and
 * fatal (AccessDenied, bad parameters, unknown key), for the one retry policy
 * (src/pipeline/retry.ts) to act on.
 *
 * Current CloudWatch ignores sequence tokens and takes concurrent puts to one stream, so batches
 * are sent without a token and several may be in flight (`concurrency`). An endpoint that still
 * wants tokens says so with InvalidSequenceTokenException: from then on the stream is "legacy",
 * its attempts run one at a time, each with the token of the one before.
 */
import { classifyError, type AttemptOutcome } from '../../pipeline/retry.js';
import type { LogsClient } from '../logs-client.js';
import type { ShipEvent } from './batch.js';

/** What a delivered batch came to: events CloudWatch stored, and those it refused for their time (never acceptable). */
export interface Delivered {
  accepted: number;
  rejected: { tooOld: number; expired: number; tooNew: number };
}

/** AWS exception names that mean "not now": throttling and the service's own trouble. */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'InternalFailure',
  'OperationAbortedException',
  'LimitExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** The "error" of the retry right after creating the group and stream (no failure: send again now). */
export const CREATED_MESSAGE = 'created the log group or stream';

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; expectedSequenceToken?: string; clockCorrected?: boolean };

/** PutLogEvents' `rejectedLogEventsInfo` (reference §5). */
export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

/** A fatal error kept with its AWS name as a stable code, so that status and logs can show it. */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

/** Batches in flight at once per stream on a current endpoint (each up to 1 MiB). */
export const DEFAULT_CONCURRENCY = 4;

export class StreamSender {
  private sequenceToken: string | undefined;
  private createdAfterNotFound = false;
  private tokenExchanges = 0;
  /** The endpoint wants sequence tokens: one attempt at a time, each with the last token. */
  private legacy = false;
  /** Legacy attempts, and the creation of a missing group and stream, run one after the other on this chain. */
  private serial: Promise<unknown> = Promise.resolve();
  private creating: Promise<AttemptOutcome<Delivered>> | undefined;
  /** Counts creations finished: a put sent before the latest one may still have found the stream missing. */
  private creations = 0;

  constructor(
    private readonly client: LogsClient,
    readonly logGroup: string,
    readonly logStream: string,
    private readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
    private readonly maxConcurrency = DEFAULT_CONCURRENCY,
  ) {}

  /** How many batches may be in flight now: 1 once the endpoint asked for sequence tokens. */
  get concurrency(): number {
    return this.legacy ? 1 : Math.max(1, this.maxConcurrency);
  }

  /** One attempt at one batch (events sorted, within the limits); retry.ts decides about waiting. */
  attempt(events: ShipEvent[], signal?: AbortSignal): Promise<AttemptOutcome<Delivered>> {
    if (!this.legacy) return this.put(events, signal);
    const run = this.serial.then(() => this.put(events, signal));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async put(events: ShipEvent[], signal?: AbortSignal): Promise<AttemptOutcome<Delivered>> {
    const generation = this.creations;
    try {
      const token = this.legacy && this.sequenceToken ? this.sequenceToken : undefined;
      const out = await this.client.call<{ nextSequenceToken?: string; rejectedLogEventsInfo?: RejectedLogEventsInfo }>('PutLogEvents', putLogEventsBody(this.logGroup, this.logStream, events, token), signal);
      this.sequenceToken = out.nextSequenceToken;
      this.createdAfterNotFound = false;
      this.tokenExchanges = 0;
      const { total, ...rejected } = countRejected(out.rejectedLogEventsInfo, events.length);
      return { kind: 'ok', value: { accepted: events.length - total, rejected } };
    } catch (e) {
      return this.onFailure(e as SdkError, events.length, signal, generation);
    }
  }

  private async onFailure(error: SdkError, count: number, signal?: AbortSignal, generation = this.creations): Promise<AttemptOutcome<Delivered>> {
    switch (error.name) {
      case 'DataAlreadyAcceptedException':
        // A legacy endpoint already has this very batch (our earlier attempt got through): delivered.
        this.legacy = true;
        this.sequenceToken = expectedToken(error);
        return { kind: 'ok', value: { accepted: count, rejected: { tooOld: 0, expired: 0, tooNew: 0 } } };
      case 'InvalidSequenceTokenException':
        if (!this.legacy) this.log.info({ logGroup: this.logGroup, logStream: this.logStream }, 'the endpoint wants sequence tokens: one batch in flight at a time');
        this.legacy = true;
        this.sequenceToken = expectedToken(error);
        // One exchange is the protocol; an endpoint that refuses the token it asked for gets the normal backoff, not a tight loop.
        if (++this.tokenExchanges <= 2) return { kind: 'retryable', error, retryAfterMs: 0 };
        return { kind: 'retryable', error: new DeliveryError('InvalidSequenceTokenLoop', `the endpoint keeps refusing the sequence token it asks for: ${error.message}`, { cause: error }) };
      case 'ResourceNotFoundException':
        // Another batch is creating the group and stream: wait for that, then send again.
        if (this.creating) return this.creating;
        // Sent before a creation finished: it could not have found the stream; send it again.
        if (generation < this.creations) return { kind: 'retryable', error: new Error(CREATED_MESSAGE), retryAfterMs: 0 };
        if (this.createdAfterNotFound) return { kind: 'fatal', error: fatal(error, `${this.logGroup}/${this.logStream} is still missing after creating it`) };
        // Batches in flight together all find the stream missing: one creates it, the others wait for that and send again.
        this.creating ??= this.create(signal).finally(() => (this.creating = undefined));
        return this.creating;
    }
    if (error.clockCorrected) return { kind: 'retryable', error, retryAfterMs: 0 };
    const status = error.$metadata?.httpStatusCode;
    if (error.name === 'ThrottlingException' || status === 429) return { kind: 'retryable', error, throttled: true };
    if (RETRYABLE_NAMES.has(error.name) || error.$fault === 'server') return { kind: 'retryable', error };
    if (status !== undefined && status >= 500) return { kind: 'retryable', error };
    const network = classifyError(error);
    if (network) return network;
    // A reply from the endpoint that says "never" (AccessDenied, UnrecognizedClient, InvalidParameter...).
    if (status !== undefined) return { kind: 'fatal', error: fatal(error, error.message) };
    // No HTTP reply at all (a socket error without a known code): the endpoint is away, not refusing.
    return { kind: 'retryable', error };
  }

  /** Creates the group and stream (each "already exists" is fine), then asks for an immediate retry. */
  private async create(signal?: AbortSignal): Promise<AttemptOutcome<Delivered>> {
    this.createdAfterNotFound = true;
    const steps = [
      { created: 'group', run: () => this.client.call('CreateLogGroup', { logGroupName: this.logGroup }, signal) },
      { created: 'stream', run: () => this.client.call('CreateLogStream', { logGroupName: this.logGroup, logStreamName: this.logStream }, signal) },
    ];
    for (const step of steps) {
      try {
        await step.run();
        this.log.info({ logGroup: this.logGroup, logStream: this.logStream, created: step.created }, 'created the missing log group or stream');
      } catch (e) {
        const error = e as SdkError;
        if (error.name === 'ResourceAlreadyExistsException') continue;
        // A key allowed to create streams but not groups (the group exists; only the stream is missing): go on to the stream.
        if (step.created === 'group' && error.name === 'AccessDeniedException') {
          this.log.warn({ logGroup: this.logGroup, error: error.message }, 'may not create the log group (fine if it exists); creating the stream');
          continue;
        }
        // The stream cannot be made in a group that is missing (and that this key may not create): say so, don't go round.
        if (error.name === 'ResourceNotFoundException') return { kind: 'fatal', error: fatal(error, `${this.logGroup} is missing and could not be created: ${error.message}`) };
        this.createdAfterNotFound = false;
        const outcome = await this.onFailure(error, 0, signal);
        return outcome.kind === 'ok' ? { kind: 'retryable', error, retryAfterMs: 0 } : (outcome as AttemptOutcome<Delivered>);
      }
    }
    this.sequenceToken = undefined;
    this.creations++;
    return { kind: 'retryable', error: new Error(CREATED_MESSAGE), retryAfterMs: 0 };
  }
}

/**
 * PutLogEvents' JSON, from the messages' JSON text where the spool kept it: each message was
 * escaped when it was spooled, and escaping it again for the request was a good part of the agent's
 * work per event (bench/agent.bench.ts). The same JSON as JSON.stringify of the request object, as
 * UTF-8 bytes written event by event: joined into one string first, a batch's text (up to 1 MiB)
 * was a large-object allocation in V8's old generation per request, which grew the agent's heap
 * between collections.
 */
export function putLogEventsBody(logGroup: string, logStream: string, events: readonly ShipEvent[], sequenceToken?: string): Buffer {
  const head = `{"logGroupName":${JSON.stringify(logGroup)},"logStreamName":${JSON.stringify(logStream)},"logEvents":[`;
  const tail = `]${sequenceToken !== undefined ? `,"sequenceToken":${JSON.stringify(sequenceToken)}` : ''}}`;
  // The spool's JSON where there is one: its UTF-8 bytes are copied as they are; a split part's is made here.
  const jsons = events.map((e) => e.messageJson ?? JSON.stringify(e.message));
  const frames = events.map((e, i) => eventFrame(i, e.timestamp));
  // Written piece by piece into bytes of their exact size: no string per event that stays alive
  // until the whole request is encoded.
  let size = Buffer.byteLength(head, 'utf8') + Buffer.byteLength(tail, 'utf8');
  for (let i = 0; i < events.length; i++) {
    const json = jsons[i]!;
    size += frames[i]!.length + (typeof json === 'string' ? Buffer.byteLength(json, 'utf8') : json.length) + 1;
  }
  const body = Buffer.allocUnsafe(size);
  let at = body.write(head, 0, 'utf8');
  for (let i = 0; i < events.length; i++) {
    at += body.write(frames[i]!, at, 'latin1');
    const json = jsons[i]!;
    at += typeof json === 'string' ? body.write(json, at, 'utf8') : json.copy(body, at);
    body[at++] = 0x7d; // '}'
  }
  body.write(tail, at, 'utf8');
  return body;
}

/** An event's start in the request, up to its message's JSON (ASCII): `,{"timestamp":<number>,"message":`. */
const eventFrame = (i: number, timestamp: number): string => `${i > 0 ? ',' : ''}{"timestamp":${JSON.stringify(timestamp)},"message":`;

function fatal(error: SdkError, message: string): DeliveryError {
  const status = error.$metadata?.httpStatusCode;
  return new DeliveryError(error.name || 'Error', `${error.name}${status ? ` (HTTP ${status})` : ''}: ${message}`, { cause: error });
}

/** The token a legacy endpoint expects: the exception's member, else the number in its message. */
export function expectedToken(error: SdkError): string | undefined {
  if (typeof error.expectedSequenceToken === 'string' && error.expectedSequenceToken.length > 0) return error.expectedSequenceToken;
  const found = /sequenceToken(?: is)?:\s*(\S+)/i.exec(error.message ?? '');
  return found && found[1] !== 'null' ? found[1] : undefined;
}

/**
 * The events CloudWatch refused for their time (reference §5: a prefix too old or expired, a
 * suffix too new; the indexes are the exclusive end of the prefix and the start of the suffix).
 */
export function countRejected(info: RejectedLogEventsInfo | undefined, count: number): { tooOld: number; expired: number; tooNew: number; total: number } {
  if (!info) return { tooOld: 0, expired: 0, tooNew: 0, total: 0 };
  const clamp = (n: number | undefined): number => (n === undefined || !Number.isFinite(n) ? 0 : Math.max(0, Math.min(count, n)));
  const expired = clamp(info.expiredLogEventEndIndex);
  const tooOld = Math.max(0, clamp(info.tooOldLogEventEndIndex) - expired);
  const tooNew = info.tooNewLogEventStartIndex === undefined ? 0 : count - clamp(info.tooNewLogEventStartIndex);
  return { tooOld, expired, tooNew, total: Math.min(count, expired + tooOld + tooNew) };
}
