/**
 * @module The server's OpenSearch parts, made from `opensearch:` in the configuration: the sink for
 * `arn:hidsmon:sink:opensearch`, the search backend for `backend: opensearch`, the connection probe
 * that /healthz reports, and retention of the daily indices. None of them asks the node anything
 * when opened, so a node that is down at start is not fatal: the server starts, says degraded, and
 * the forwarder keeps the events in the durable log and retries until the node is back.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { OpenSearchSettings } from '../../config/server-config.js';
import type { QueryLimits } from '../../query/limits.js';
import { openSearchClient, type OpenSearchConnectionOptions } from '../../sinks/opensearch/connection.js';
import { deleteIndicesOlderThan } from '../../sinks/opensearch/retention.js';
import { OpenSearchBackend } from '../../sinks/opensearch/search-backend.js';
import { OpenSearchSink } from '../../sinks/opensearch/sink.js';
import type { ConnectionState } from './health.js';

/** How long a probe's answer stands before /healthz asks the node again. */
const PROBE_FRESH_MS = 5000;
/** A probe waits no longer than this: /healthz must answer while the node hangs. */
const PROBE_TIMEOUT_MS = 3000;

export interface OpenSearchParts {
  /** Writes for `arn:hidsmon:sink:opensearch`. */
  sink: OpenSearchSink;
  /** What the query API searches under `backend: opensearch` (absent otherwise). */
  backend?: OpenSearchBackend;
  probe: ConnectionProbe;
  /** Deletes the daily indices older than opensearch.retention_days (else retention_days); their names. */
  expire(nowMs: number): Promise<string[]>;
  close(): Promise<void>;
}

/** The connection options of the configured cluster. */
export function connectionOptions(settings: OpenSearchSettings): OpenSearchConnectionOptions {
  return { url: settings.url, indexPrefix: settings.indexPrefix, ...(settings.auth ? { auth: settings.auth } : {}) };
}

/**
 * The parts for `settings`: one client for the sink, the probe and retention; the backend has its
 * own (searches have their own timeouts, and a slow search must not queue behind bulk writes).
 */
export async function openOpenSearchParts(settings: OpenSearchSettings, options: { asBackend: boolean; limits: QueryLimits; retentionDays: number; now: () => number }): Promise<OpenSearchParts> {
  const connection = connectionOptions(settings);
  const client = openSearchClient(connection);
  const sink = await OpenSearchSink.open({ ...connection, client, ...(settings.maxBulkBytes !== undefined ? { maxBulkBytes: settings.maxBulkBytes } : {}) });
  const backend = options.asBackend ? await OpenSearchBackend.open({ ...connection, limits: options.limits }) : undefined;
  const days = settings.retentionDays ?? options.retentionDays;
  return {
    sink,
    ...(backend ? { backend } : {}),
    probe: new ConnectionProbe(client, settings.url, options.now),
    expire: (nowMs) => (days > 0 ? deleteIndicesOlderThan(client, settings.indexPrefix, days, nowMs) : Promise.resolve([])),
    close: async () => {
      await sink.close();
      await backend?.close();
      await client.close();
    },
  };
}

/**
 * What /healthz says of the node: one request (GET /) at most every few seconds, bounded in time.
 * Any HTTP answer but 401/403 and 5xx means reachable (OpenSearch Serverless answers 404 to GET /).
 */
export class ConnectionProbe {
  private last: { state: ConnectionState; atMs: number } | undefined;
  private probing: Promise<ConnectionState> | undefined;
  constructor(
    private readonly client: Client,
    private readonly url: string,
    private readonly now: () => number,
  ) {}

  async state(): Promise<ConnectionState> {
    if (this.last && this.now() - this.last.atMs < PROBE_FRESH_MS) return this.last.state;
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(): Promise<ConnectionState> {
    const problem = await this.client.info(undefined, { requestTimeout: PROBE_TIMEOUT_MS }).then(
      () => undefined,
      (e: unknown) => unusableReason(e),
    );
    const was = this.last?.state;
    const state: ConnectionState =
      problem === undefined
        ? { name: `OpenSearch at ${this.url}`, reachable: true }
        : { name: `OpenSearch at ${this.url}`, reachable: false, error: problem, sinceMs: was && !was.reachable && was.sinceMs !== undefined ? was.sinceMs : this.now() };
    this.last = { state, atMs: this.now() };
    return state;
  }
}

/** Why an answer means the node cannot be used now, or undefined when it answered. */
function unusableReason(e: unknown): string | undefined {
  const status = (e as { meta?: { statusCode?: unknown } }).meta?.statusCode;
  if (status === 401 || status === 403) return `it refuses hidsmon's credentials (HTTP ${status}); check opensearch.auth`;
  if (typeof status === 'number' && status > 0 && status < 500) return undefined;
  return (e as Error).message || String(e);
}
