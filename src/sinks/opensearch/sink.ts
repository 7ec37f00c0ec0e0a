/**
 * @module The OpenSearch sink: documents to the daily indices with `_bulk` `create` under the shared
 * document identity, bodies under a byte limit, every item's answer read (201 indexed, 409
 * duplicate, 400 rejected with the reason), transient failures retried with the pipeline's policy.
 */
import type { Client } from '@opensearch-project/opensearch';
import { errors } from '@opensearch-project/opensearch';
import type { IndexedDocument } from '../../core/document.js';
import { isValidTimeMs, parseIsoTime } from '../../core/time.js';
import { classifyError, parseRetryAfterMs, retry, type AttemptOutcome, type RetryHooks, type RetryPolicy } from '../../pipeline/retry.js';
import { writeSummary, type DocumentOutcome, type DocumentSink, type WriteResult } from '../../query/search-api.js';
import { bulkBody, bulkEntries, chunkByBytes, itemVerdict, repairedEntry, type BulkEntry, type BulkItemResponse } from './bulk.js';
import { indexPrefixOf, openSearchClient, physicalDailyIndex, type OpenSearchConnectionOptions } from './connection.js';
import { ensureIndexTemplate, type IndexTemplateOptions } from './index-template.js';

/** 5 MiB: within OpenSearch's advice (5–15 MB) and under the 10 MiB cap of small AWS instance types. */
export const DEFAULT_MAX_BULK_BYTES = 5 * 1024 * 1024;
/** `_bulk` bodies of one write in flight at once. */
export const DEFAULT_BULK_CONCURRENCY = 2;

/**
 * Retries inside one write: short, so that a write returns to the forwarder (which retries the
 * whole batch with its own, patient policy) instead of sitting on a batch for minutes.
 */
export const DEFAULT_SINK_RETRY_POLICY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 2_000, multiplier: 2, maxAttempts: 4, maxRetryAfterMs: 5_000 };

export interface OpenSearchSinkOptions extends OpenSearchConnectionOptions {
  /** Upper bound of one `_bulk` body in bytes (default 5 MiB); a single larger document goes alone. */
  maxBulkBytes?: number;
  /** `_bulk` bodies of one write in flight at once (default 2): the node indexes them on parallel write threads. */
  bulkConcurrency?: number;
  /** Retries of 429/5xx items and failed requests within one write. */
  retryPolicy?: RetryPolicy;
  /** Index template settings; replicas default from the cluster's data nodes (see index-template.ts). */
  template?: IndexTemplateOptions;
  /** `_bulk`'s `refresh` (default false: the index's refresh interval makes documents visible). */
  refresh?: boolean | 'wait_for';
  /** Use this client (shared with a search backend) instead of one of the sink's own; it is not closed by the sink. */
  client?: Client;
}

/** Per write: the Lambda entry bounds the retries by the invocation's remaining time and counts them. */
export interface SinkWriteOptions {
  /** Instead of the sink's `retryPolicy` for this write. */
  retryPolicy?: RetryPolicy;
  onRetry?: RetryHooks['onRetry'];
}

/** A `_bulk` request that failed as a whole. */
type RequestFailure = { kind: 'retryable'; error: Error; retryAfterMs?: number } | { kind: 'too_large'; error: Error };

/** The cluster refused something the sink cannot work around (a bad request is a bug of ours). */
export class OpenSearchSinkError extends Error {
  constructor(
    readonly code: 'bulk_refused' | 'template_refused' | 'bad_response',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OpenSearchSinkError';
  }
}

/**
 * Documents go to the daily index their identity names, under this sink's prefix (a `cwl-` name is
 * moved under it, see physicalDailyIndex), so that the prefix's index template types them.
 */
export class OpenSearchSink implements DocumentSink {
  private templateInstalled: Promise<void> | undefined;

  private constructor(
    readonly client: Client,
    private readonly ownsClient: boolean,
    private readonly options: OpenSearchSinkOptions,
  ) {}

  /** A sink for `options`. Nothing is sent yet: the index template is installed by the first write. */
  static async open(options: OpenSearchSinkOptions): Promise<OpenSearchSink> {
    return new OpenSearchSink(options.client ?? openSearchClient(options), options.client === undefined, options);
  }

  get indexPrefix(): string {
    return indexPrefixOf(this.options);
  }

  async write(documents: readonly IndexedDocument[], writeOptions: SinkWriteOptions = {}): Promise<WriteResult> {
    if (documents.length === 0) return writeSummary([]);
    const installed = await this.ensureTemplate();
    if (installed) return installed;
    const outcomes: Array<DocumentOutcome | undefined> = new Array(documents.length);
    const { entries, unplaced } = bulkEntries(documents, (name) => physicalDailyIndex(this.indexPrefix, name));
    for (const i of unplaced) outcomes[i] = { kind: 'rejected', reason: `invalid_index: not a daily index name: ${JSON.stringify(documents[i]?.index)}` };
    // The index ignores malformed values, a bad @timestamp too: one would be stored but never
    // found by time. Refused here instead, so that it reaches the dead-letter store.
    const pending = entries.filter((entry) => {
      const invalid = invalidTimestamp((documents[entry.position] as IndexedDocument).document['@timestamp']);
      if (invalid !== undefined) outcomes[entry.position] = { kind: 'rejected', reason: invalid };
      return invalid === undefined;
    });
    return this.sendEntries(pending, outcomes, writeOptions);
  }

  /**
   * Documents already serialized with bulkEntry, under this sink's prefix, their @timestamp checked
   * (invalidTimestamp): the Lambda entry serializes each document as it is made, so that documents
   * die young instead of all living until the write. Positions are 0 … entries.length - 1; the
   * outcomes come in that order.
   */
  async writeEntries(entries: readonly BulkEntry[], writeOptions: SinkWriteOptions = {}): Promise<WriteResult> {
    if (entries.length === 0) return writeSummary([]);
    const installed = await this.ensureTemplate();
    if (installed) return installed;
    const seen = new Uint8Array(entries.length);
    for (const entry of entries) {
      // A caller's bug, not the cluster's state.
      if (!Number.isInteger(entry.position) || entry.position < 0 || entry.position >= entries.length || seen[entry.position]) {
        throw new RangeError(`writeEntries: positions must be 0 … ${entries.length - 1}, each once (got ${entry.position})`);
      }
      seen[entry.position] = 1;
    }
    return this.sendEntries([...entries], new Array(entries.length), writeOptions);
  }

  private async sendEntries(entries: BulkEntry[], outcomes: Array<DocumentOutcome | undefined>, writeOptions: SinkWriteOptions): Promise<WriteResult> {
    let pending = entries;
    const maxBytes = this.options.maxBulkBytes ?? DEFAULT_MAX_BULK_BYTES;
    const result = await retry<undefined>(async () => {
      const { again, failure } = await this.sendAll(pending, maxBytes, outcomes);
      pending = again;
      if (pending.length === 0) return { kind: 'ok', value: undefined };
      return failure;
    }, writeOptions.retryPolicy ?? this.options.retryPolicy ?? DEFAULT_SINK_RETRY_POLICY, writeOptions.onRetry ? { onRetry: writeOptions.onRetry } : {});
    // Some documents are still unanswered: the whole batch is retried by the caller, which is safe
    // because `create` turns every re-sent document that did get in into a 409, a duplicate.
    if (result.kind !== 'ok') return { kind: 'retryable', error: result.error, ...('retryAfterMs' in result && result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) };
    return writeSummary(outcomes as DocumentOutcome[]);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /**
   * One round over `entries`: each body sent once; final answers recorded in `outcomes`. Returns the
   * entries to try again and why. After a request fails as a whole, the rest of the round is not
   * sent (the cluster is down or overloaded: hammering it helps no one); items refused for now
   * (429) are retried in the next round while the other bodies still go.
   */
  private async sendAll(entries: BulkEntry[], maxBytes: number, outcomes: Array<DocumentOutcome | undefined>): Promise<{ again: BulkEntry[]; failure: AttemptOutcome<undefined> & { kind: 'retryable' } }> {
    const queue = chunkByBytes(entries, maxBytes);
    const again: BulkEntry[] = [];
    let failure: { kind: 'retryable'; error: Error; retryAfterMs?: number } | undefined;
    let itemFailure: string | undefined;
    // Each worker takes the next body; a split or repaired body goes back to the queue for whichever is free.
    const worker = async (): Promise<void> => {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
        if (failure) {
          again.push(...chunk);
          continue;
        }
        const answer = await this.sendBulk(chunk);
        if (answer.kind === 'retryable') {
          failure = answer;
          again.push(...chunk);
          continue;
        }
        if (answer.kind === 'too_large') {
          if (chunk.length === 1) {
            outcomes[(chunk[0] as BulkEntry).position] = { kind: 'rejected', reason: `request_entity_too_large: the document alone (${(chunk[0] as BulkEntry).bytes} bytes) is larger than the cluster accepts` };
            continue;
          }
          // The cluster's limit is below ours (a small AWS instance type): halve and go on.
          const half = Math.ceil(chunk.length / 2);
          queue.unshift(chunk.slice(0, half), chunk.slice(half));
          continue;
        }
        const repaired: BulkEntry[] = [];
        chunk.forEach((entry, i) => {
          const verdict = itemVerdict(answer.items[i], entry.repairs);
          if (verdict.kind === 'final') outcomes[entry.position] = verdict.outcome;
          else if (verdict.kind === 'retry') {
            again.push(entry);
            itemFailure ??= `${verdict.status}: ${verdict.reason}`;
          } else {
            const fixed = repairedEntry(entry, verdict.path);
            if (fixed) repaired.push(fixed);
            else outcomes[entry.position] = { kind: 'rejected', reason: `mapper_parsing_exception: a value at ${verdict.path} where the index maps an object` };
          }
        });
        if (repaired.length > 0) queue.unshift(...chunkByBytes(repaired, maxBytes));
      }
    };
    const workers = Math.max(1, Math.min(this.options.bulkConcurrency ?? DEFAULT_BULK_CONCURRENCY, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return { again, failure: failure ?? { kind: 'retryable', error: new Error(`OpenSearch refused documents for now (${itemFailure ?? 'no answer'})`) } };
  }

  private async sendBulk(chunk: readonly BulkEntry[]): Promise<{ kind: 'ok'; items: Array<BulkItemResponse | undefined> } | RequestFailure> {
    let body: unknown;
    try {
      const response = await this.client.bulk({ body: bulkBody(chunk) as never, ...(this.options.refresh !== undefined ? { refresh: this.options.refresh as never } : {}) });
      body = response.body;
    } catch (error) {
      return requestFailure(error);
    }
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || items.length !== chunk.length) {
      throw new OpenSearchSinkError('bad_response', `the _bulk response has ${Array.isArray(items) ? items.length : 'no'} items for ${chunk.length} documents`);
    }
    return { kind: 'ok', items: items.map((item: unknown) => (item as { create?: BulkItemResponse } | undefined)?.create) };
  }

  /** Installs the template once; a failure is retried on the next write, never skipped. */
  private async ensureTemplate(): Promise<WriteResult | undefined> {
    this.templateInstalled ??= ensureIndexTemplate(this.client, this.indexPrefix, this.options.template);
    try {
      await this.templateInstalled;
      return undefined;
    } catch (error) {
      this.templateInstalled = undefined;
      // Only a 400 (a template this cluster cannot take) is not the cluster's passing state.
      if (isTransient(error) || (error instanceof errors.ResponseError && error.statusCode !== 400)) {
        return { kind: 'retryable', error: error instanceof Error ? error : new Error(String(error)) };
      }
      throw new OpenSearchSinkError('template_refused', `OpenSearch refused the index template ${this.indexPrefix}template: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Why `value` is no @timestamp OpenSearch can sort by (ISO 8601 or epoch ms), or undefined when it is one. */
export function invalidTimestamp(value: unknown): string | undefined {
  if (typeof value === 'string' ? parseIsoTime(value) !== undefined : isValidTimeMs(value)) return undefined;
  const shown = JSON.stringify(value) ?? String(value);
  return `invalid_timestamp: @timestamp must be an ISO 8601 time, not ${shown.length > 100 ? `${shown.slice(0, 100)}…` : shown}`;
}

/** Connection refused or reset, timeouts, and 408/429/5xx: the cluster is unavailable for now. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError ||
    classifyError(error) !== undefined
  );
}

/** A whole `_bulk` request's failure as an outcome; a 400 (a malformed request: our bug) throws. */
function requestFailure(error: unknown): RequestFailure {
  const asError = error instanceof Error ? error : new Error(String(error));
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    if (status === 413) return { kind: 'too_large', error: asError };
    const header = (error.meta?.headers as Record<string, unknown> | undefined)?.['retry-after'];
    const retryAfterMs = typeof header === 'string' ? parseRetryAfterMs(header) : undefined;
    if (status === 400) throw new OpenSearchSinkError('bulk_refused', `OpenSearch refused the _bulk request: ${asError.message}`, { cause: error });
    // 401/403 (credentials, a read-only block on a full disk), 404, 408, 429, 5xx: the cluster's
    // state, not the documents': retried, so that nothing is dead-lettered for an outage.
    return { kind: 'retryable', error: asError, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (isTransient(error)) return { kind: 'retryable', error: asError };
  throw error;
}
