/**
 * @module The hidsmon server composed from its parts: the durable log, the index (embedded, or an
 * OpenSearch cluster under `backend: opensearch`), the forwarder between them with a sink per
 * destination, and the HTTP app. Used by `hidsmon server`, `hidsmon demo` and tests.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Sessions, TrustedNetworks } from '../../api/access.js';
import { handleCloudWatchLogs } from '../../api/cloudwatch-logs/handle-cloudwatch-logs.js';
import { DEFAULT_LIMITS, DEFAULTS, type ServerConfig, type AccessKey } from '../../config/server-config.js';
import { compileFilterPattern, type MessageMatcher } from '../../core/filter-pattern.js';
import type { QueryRole } from '../../core/principal.js';
import { Forwarder, type ForwarderSource, type Subscription } from '../../forwarder/forwarder.js';
import type { ReplayOutcome } from '../../api/query/query-api.js';
import { LogStore, type RetentionOutcome } from '../../ingest/log-store.js';
import { AdmissionControl } from '../../pipeline/admission.js';
import { settleWithin } from '../../pipeline/retry.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { serverMetrics, type ServerMetrics } from '../../telemetry/metrics.js';
import type { DocumentSink, SearchBackend } from '../../query/search-api.js';
import { OPENSEARCH_DESTINATION } from '../../api/cloudwatch-logs/destinations.js';
import type { JsonObject } from '../../core/paths.js';
import { AuditStore } from '../../audit/audit-store.js';
import { SavedObjectStore } from '../../saved/saved-object-store.js';
import { deadLetterJson } from '../../api/query/wire.js';
import type { IngestLogGroup, IngestStatus, KeysListing } from '../../api/contract.js';
import { takeAuditInbox, watchAuditInbox } from '../../audit/audit-inbox.js';
import { reportAuditDrops } from '../../audit/drop-report.js';
import { indexingChangesByGroup } from '../../audit/indexing-changes.js';
import { createApp } from './app.js';
import { CredentialStore, type GeneratedCredentials } from './credential-store.js';
import { healthOf } from './health.js';
import { listen } from './listen.js';
import { openOpenSearchParts, type OpenSearchParts } from './opensearch-parts.js';
import { openNotifyParts, type NotifyParts } from './notify-parts.js';
import { openDetectionParts, type DetectionParts } from './detection-parts.js';
import { searchableIndex } from '../../sinks/opensearch/search-backend.js';
import { preparePrivateDataDir, restrictDataFilesToOwner } from './private-files.js';
import { resolveTls, type TlsMaterial } from './tls.js';

export const EMBEDDED_DESTINATION = 'arn:hidsmon:sink:embedded';
export { OPENSEARCH_DESTINATION };

/**
 * The index the query API searches, which also takes writes (tests and bulk loads write straight
 * to it): the embedded DuckDbStore, or OpenSearch's backend with its sink.
 */
export type ServerIndex = SearchBackend & DocumentSink & { close(): Promise<void> };

export interface Credentials {
  /** Looked up by both APIs; sees changes made by `hidsmon keys` without a restart. */
  store: CredentialStore;
  /** The access keys active at start: configured ones, then the file's. */
  accessKeys: AccessKey[];
  /** The API token secrets active at start: configured ones, then the file's. */
  apiTokens: string[];
  /** `<data>/credentials.json`. */
  file: string;
  /** True when this start generated keys or tokens (print them once). */
  generated: boolean;
  /** What this start generated, to print once saying which goes where. */
  created?: GeneratedCredentials;
  /** True when an old-format file was migrated by this start. */
  migrated: boolean;
}

/**
 * The credential store of a data directory, with the keys and tokens of the configuration. A key
 * configured without a profile is an `agent` key (hosts hold configured keys; an operator gives
 * `profile: admin` to the one that manages); configured tokens are `admin` (operators hold them).
 */
export function resolveCredentials(config: ServerConfig, now: () => number = Date.now): Credentials {
  const { store, generated, migrated } = CredentialStore.open({
    dataDir: config.dataDir,
    account: { owner: config.owner, region: config.region },
    configuredKeys: config.accessKeys.map((k) => ({ id: k.id, secret: k.secret, profile: k.profile ?? 'agent', ...(k.logGroups ? { logGroups: k.logGroups } : {}) })),
    configuredTokens: config.apiTokens,
    now,
  });
  const entries = store.entries();
  return {
    store,
    accessKeys: [...config.accessKeys, ...entries.accessKeys.filter((k) => !k.revoked).map((k) => ({ id: k.id, secret: k.secret, ...(k.profile ? { profile: k.profile } : {}) }))],
    apiTokens: [...config.apiTokens, ...entries.apiTokens.filter((t) => !t.revoked).map((t) => t.secret)],
    file: store.file,
    generated: generated !== undefined,
    ...(generated ? { created: generated } : {}),
    migrated,
  };
}

/**
 * `GET /api/keys`: keys and tokens by id, profile or role and dates; never a secret. Configured
 * ones (hidsmon.yaml, the environment) first, as the credential store names them, then the file's.
 */
function keysListing(store: CredentialStore, config: ServerConfig): KeysListing {
  const entries = store.entries();
  const configured = { description: 'configured in hidsmon.yaml or the environment', created: null, revoked: null, source: 'configured' as const };
  return {
    access_keys: [
      ...config.accessKeys.map((k) => ({ id: k.id, profile: k.profile ?? 'agent', log_groups: k.logGroups ?? null, ...configured })),
      ...entries.accessKeys.map((k) => ({
        id: k.id,
        profile: k.profile ?? null,
        ...(k.statements ? { statements: JSON.parse(JSON.stringify(k.statements)) as JsonObject[] } : {}),
        log_groups: k.logGroups ?? null,
        description: k.description ?? null,
        created: k.created,
        revoked: k.revoked ?? null,
        source: 'file' as const,
      })),
    ],
    api_tokens: [
      ...config.apiTokens.map((_, i) => ({ id: `config-token-${i + 1}`, role: 'admin' as const, ...configured })),
      ...entries.apiTokens.map((t) => ({ id: t.id, role: t.role, description: t.description ?? null, created: t.created, revoked: t.revoked ?? null, source: 'file' as const })),
    ],
  };
}

export interface RunningServer {
  url: string;
  port: number;
  /** The certificate served now when TLS is on (its fingerprint is printed for a first install). */
  readonly tls: TlsMaterial | undefined;
  /** A one-time link that signs a browser in. */
  loginUrl: string;
  credentials: Credentials;
  config: ServerConfig;
  index: ServerIndex;
  /** The configured OpenSearch cluster's sink, backend (under `backend: opensearch`) and probe. */
  openSearch: OpenSearchParts | undefined;
  log: LogStore;
  /** The audit log: every change that is not PutLogEvents, allowed or refused. */
  audit: AuditStore;
  forwarder: Forwarder;
  metrics: ServerMetrics;
  /** Detections (the durable store) and their notifications; the rule engine calls `notify` from its onDetection hook. */
  detections: NotifyParts;
  /** The rule engine: its rules, its runner (`idle()`, `status()`) and `onDetection` (after the store, before notifications). */
  detectionEngine: DetectionParts;
  /** A fresh one-time login link, for an admin session unless told `viewer`. */
  newLoginUrl(role?: QueryRole): string;
  /** Stops within `stopDeadlineMs`; true when everything closed in time. */
  stop(): Promise<boolean>;
}

export interface StartOptions {
  logger: Logger;
  now?: () => number;
  ui?: Parameters<typeof createApp>[0]['ui'];
  /** How often retention runs (default hourly). */
  retentionIntervalMs?: number;
  /** Wraps the backend's sink (embedded or OpenSearch) where the forwarder writes to it (fault tests put a failing sink here). */
  wrapSink?: (sink: DocumentSink) => DocumentSink;
  /** How long stop() may take before it leaves what is still running (default 5 s). */
  stopDeadlineMs?: number;
  /** How often the rule engine looks for silent hosts (default 5 s). */
  detectionTickMs?: number;
  /** How often the TLS certificate is looked at again: renewed (auto) or re-read (files) (default hourly). */
  tlsRefreshIntervalMs?: number;
}

/** The forwarder's view of the durable log. A group without filters goes to `autoDestination` (the backend's) when there is one (auto_subscribe). */
function forwarderSource(log: LogStore, autoDestination: string | undefined): ForwarderSource {
  const matchers = new Map<string, MessageMatcher>();
  const matcher = (pattern: string): MessageMatcher => {
    let m = matchers.get(pattern);
    if (!m) {
      const compiled = compileFilterPattern(pattern);
      m = compiled.ok ? compiled.value : () => false;
      matchers.set(pattern, m);
    }
    return m;
  };
  return {
    readAfter: async (after, limit, groups) => (await log.readAfter(after, limit, groups)).map((e) => ({ seq: e.sequence, logGroup: e.logGroup, logStream: e.logStream, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message })),
    lastSequence: async () => log.lastSequence(),
    subscriptions: async () => {
      const filters = log.listSubscriptionFilters();
      const out: Subscription[] = filters.ok ? filters.value.map((f) => ({ logGroup: f.logGroup, destination: f.destinationArn, matches: matcher(f.pattern) })) : [];
      if (autoDestination !== undefined) {
        const subscribed = new Set(out.map((s) => s.logGroup));
        for (const group of log.listLogGroups()) if (!subscribed.has(group.name)) out.push({ logGroup: group.name, destination: autoDestination, matches: () => true });
      }
      return out;
    },
    getCursor: async (destination) => (await log.getCursor(destination)) ?? 0,
    setCursor: (destination, seq) => log.setCursor(destination, seq),
    addDeadLetters: async (letters) => {
      await log.addDeadLetters(
        letters.map((l) => ({ timeMs: Date.now(), destination: l.destination, reason: l.reason, logGroup: l.record.logGroup, logStream: l.record.logStream, eventId: String(l.record.seq), timestamp: l.record.timestamp, message: l.record.message })),
      );
    },
    onAppend: (listener) => log.onAppend(() => listener()),
  };
}

/** Admission control as /api/ingest shows it: the bounds, whether PutLogEvents is throttled now and why, and how often it was. */
function flowControlJson(admission: AdmissionControl): NonNullable<IngestStatus['flow_control']> {
  const s = admission.status();
  return {
    max_lag_ms: s.settings.maxLagMs,
    max_lag_events: s.settings.maxLagEvents,
    allowance_events: s.settings.allowanceEvents,
    throttling: s.throttling,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.destination !== undefined ? { destination: s.destination } : {}),
    lag_events: s.lagEvents,
    lag_ms: Math.round(s.lagMs),
    throttled_requests: s.throttled.lag_events + s.throttled.lag_seconds,
    throttled: s.throttled,
    in_flight_requests: s.inFlightRequests,
    in_flight_events: s.inFlightEvents,
  };
}

/**
 * Dead letters through the forwarder again, by destination: those indexed (or found already there)
 * are removed; those refused again stay, and their new reasons are answered.
 */
async function replayDeadLetters(log: LogStore, forwarder: Forwarder, request: { ids?: readonly number[]; limit: number }): Promise<ReplayOutcome> {
  const letters = await log.listDeadLetters({ limit: request.limit, ...(request.ids ? { ids: request.ids } : {}) });
  const replayed: number[] = [];
  const failed: Array<{ id: number; reason: string }> = [];
  const byDestination = new Map<string, typeof letters>();
  for (const l of letters) byDestination.set(l.destination, [...(byDestination.get(l.destination) ?? []), l]);
  for (const [destination, group] of byDestination) {
    // The dead letter keeps the log's sequence as its event id (forwarderSource), so the document gets its first id again.
    const records = group.map((l) => ({ seq: Number(l.eventId), logGroup: l.logGroup, logStream: l.logStream, timestamp: l.timestamp, ingestionTime: l.timeMs, message: l.message }));
    const outcome = await forwarder.replay(destination, records);
    if (outcome.kind === 'unavailable') return replayed.length === 0 ? outcome : { kind: 'done', replayed, failed: [...failed, ...group.map((l) => ({ id: l.id, reason: outcome.message }))] };
    outcome.outcomes.forEach((o, i) => {
      const id = (group[i] as (typeof letters)[number]).id;
      if (o.kind === 'rejected') failed.push({ id, reason: o.reason });
      else replayed.push(id);
    });
  }
  if (replayed.length > 0) await log.removeDeadLetters(replayed);
  return { kind: 'done', replayed, failed };
}

export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  const logger = options.logger;
  const now = options.now ?? Date.now;
  // Before anything is written there: made owner-only, or refused (with the chmod to run) when others can get in.
  preparePrivateDataDir(config.dataDir);
  // Before anything opens: a certificate that cannot be served stops the start with every reason.
  let tls: TlsMaterial | undefined;
  if (config.tls) {
    const resolved = await resolveTls(config.tls, config.dataDir, config.host, now());
    if (!resolved.ok) throw new TlsSetupError(resolved.error);
    tls = resolved.value;
    for (const warning of tls.warnings) logger.warn({ certFile: tls.certFile }, warning);
    if (tls.generated) logger.info({ certFile: tls.certFile, fingerprint256: tls.fingerprint256, reason: tls.generated.reason }, 'Made a self-signed TLS certificate.');
  }
  const credentials = resolveCredentials(config, now);
  const metrics = serverMetrics();
  const log = await LogStore.open({ path: join(config.dataDir, 'log.duckdb'), now });
  let index: ServerIndex;
  let audit: AuditStore;
  try {
    // Its own file: a damaged or busy log cannot take the trail with it.
    audit = await AuditStore.open({
      path: join(config.dataDir, 'audit.duckdb'),
      now,
      retentionDays: config.auditRetentionDays ?? 90,
      onDropped: reportAuditDrops({ count: (n, reason) => metrics.auditDropped.inc(n, { reason }), log: (fields, message) => logger.error({ component: 'audit', ...fields }, message) }),
      onWriteError: (error, pending) => {
        metrics.auditWriteErrors.inc();
        logger.warn({ component: 'audit', err: error, pending }, 'An audit log commit failed; its entries are retried.');
      },
    });
  } catch (e) {
    await log.close();
    throw e;
  }
  let savedObjects: SavedObjectStore;
  try {
    // Their own file too: stored by the server, not the index, so the same on either backend.
    savedObjects = await SavedObjectStore.open({ path: join(config.dataDir, 'saved-objects.duckdb'), now });
  } catch (e) {
    await audit.close();
    await log.close();
    throw e;
  }
  let detections: NotifyParts;
  try {
    detections = await openNotifyParts({ dataDir: config.dataDir, settings: config.notifications, logger, registry: metrics.registry, now });
  } catch (e) {
    await savedObjects.close();
    await audit.close();
    await log.close();
    throw e;
  }
  // The cluster is not asked anything here: a node that is down at start makes the server degraded, not stopped.
  const backendKind = config.backend ?? 'embedded';
  let openSearch: OpenSearchParts | undefined;
  try {
    if (config.openSearch) {
      openSearch = await openOpenSearchParts(config.openSearch, { asBackend: backendKind === 'opensearch', limits: config.limits ?? DEFAULT_LIMITS, retentionDays: config.retentionDays, now });
    } else if (backendKind === 'opensearch') {
      throw new Error('backend: opensearch needs opensearch.url (loadServerConfig checks this).');
    }
    index = openSearch?.backend ? openSearchIndex(openSearch) : await DuckDbStore.open({ path: join(config.dataDir, 'index.duckdb'), now, limits: config.limits ?? DEFAULT_LIMITS, textCountCache: config.textCountCache ?? true, textSegments: config.textSegments ?? DEFAULTS.textSegments, log: (level, fields, message) => logger[level](fields, message) });
  } catch (e) {
    await openSearch?.close();
    await detections.close();
    await savedObjects.close();
    await audit.close();
    await log.close();
    throw e;
  }
  // Entries other processes (hidsmon indices --delete) left in the audit inbox, now and every second.
  const inboxFailed = (error: unknown): void => logger.error({ component: 'audit', err: error }, 'Could not take in the audit inbox; it is tried again.');
  await takeAuditInbox(config.dataDir, (e) => audit.record(e), () => audit.flushed()).catch(inboxFailed);
  const stopInbox = watchAuditInbox(config.dataDir, audit, inboxFailed);
  // DuckDB makes its files with the process umask (077 under the hidsmon command, not in every embedder).
  restrictDataFilesToOwner(config.dataDir);
  // The backend's destination takes the log groups without filters; a configured cluster is also a
  // destination of its own beside the embedded index, so that one group can feed both.
  const backendDestination = backendKind === 'opensearch' ? OPENSEARCH_DESTINATION : EMBEDDED_DESTINATION;
  const source = forwarderSource(log, config.autoSubscribe ? backendDestination : undefined);
  const wrap = (sink: DocumentSink): DocumentSink => (options.wrapSink ? options.wrapSink(sink) : sink);
  const sinks = new Map<string, DocumentSink>();
  if (backendKind === 'embedded') sinks.set(EMBEDDED_DESTINATION, wrap(index));
  if (openSearch) sinks.set(OPENSEARCH_DESTINATION, backendKind === 'opensearch' ? wrap(openSearch.sink) : openSearch.sink);
  // Rules on the stream: the backend's documents as the forwarder indexes them; new detections go to the notifications.
  const detectionEngine = openDetectionParts({ dataDir: config.dataDir, ...(config.detections ? { settings: config.detections } : {}), store: detections.store, destination: backendDestination, logger, registry: metrics.registry, now, ...(options.detectionTickMs !== undefined ? { tickMs: options.detectionTickMs } : {}) });
  detectionEngine.onDetection((d) => detections.notify(d));
  // What /api/ingest reports since this start (the fleet view's ingest health); /metrics has the same as counters.
  const sinceStart = { startedMs: now(), duplicates: new Map<string, number>(), rejected: new Map<string, number>() };
  const forwarder = new Forwarder({
    source,
    sinks,
    owner: config.owner,
    now,
    log: (level, fields, message) => logger[level]({ component: 'forwarder', ...fields }, message),
    onForwarded: (destination, n) => metrics.forwarded.inc(n, { destination }),
    onSinkError: (destination) => metrics.sinkErrors.inc(1, { destination }),
    onDeadLetters: (destination, n) => metrics.deadLetters.inc(n, { destination }),
    onDuplicates: (destination, n) => {
      metrics.duplicates.inc(n, { destination });
      sinceStart.duplicates.set(destination, (sinceStart.duplicates.get(destination) ?? 0) + n);
    },
    onRestart: (destination) => metrics.forwarderRestarts.inc(1, { destination }),
    onIndexed: (destination, documents) => detectionEngine.onIndexed(destination, documents),
  });
  // Indexing first: while the backend's destination is behind, the rule engine takes less of the CPU.
  if (detectionEngine.runner) detectionEngine.runner.busy = () => forwarder.lagAt(log.lastSequence()).some((l) => l.destination === backendDestination && l.lagEvents > 1000);
  await forwarder.start();
  // PutLogEvents is throttled while a destination is too far behind (pipeline/admission.ts).
  const limits = config.limits ?? DEFAULT_LIMITS;
  const admission = new AdmissionControl(
    {
      maxLagMs: limits.maxIndexingLagMs ?? DEFAULT_LIMITS.maxIndexingLagMs,
      maxLagEvents: limits.maxIndexingLagEvents ?? DEFAULT_LIMITS.maxIndexingLagEvents,
      allowanceEvents: limits.indexingLagAllowanceEvents ?? DEFAULT_LIMITS.indexingLagAllowanceEvents,
    },
    () => forwarder.lagAt(log.lastSequence()),
  );
  const admitPut = {
    admit: (requestBytes: number) => {
      const decision = admission.admit(requestBytes);
      if (decision.kind === 'throttle') metrics.throttled.inc(1, { reason: decision.reason });
      return decision;
    },
  };
  metrics.registry.gauge('hidsmon_ingest_throttling', 'Whether PutLogEvents is throttled now (1) because indexing is behind.', () => (admission.status().throttling ? 1 : 0));
  metrics.registry.gauge('hidsmon_forwarder_rate_events_per_second', 'Events each destination indexes per second while it has work (recent batches), by destination.', () => lastLag.map((l) => [{ destination: l.destination }, l.ratePerSecond]), ['destination']);
  metrics.registry.gauge('hidsmon_forwarder_lag_events', 'Events in the log not yet forwarded, by destination.', () => lastLag.map((l) => [{ destination: l.destination }, l.lagEvents]), ['destination']);
  metrics.registry.gauge('hidsmon_forwarder_lag_seconds', 'Age of the oldest event not yet forwarded, by destination.', () => lastLag.map((l) => [{ destination: l.destination }, l.lagSeconds]), ['destination']);
  let lastLag: Awaited<ReturnType<Forwarder['lag']>> = [];
  const lagTimer = setInterval(() => void forwarder.lag().then((l) => (lastLag = l)), 1000);
  lagTimer.unref();
  const sessions = new Sessions(now);
  // Keys made or revoked with `hidsmon keys` (another process, which cannot open the audit log this
  // server holds) are recorded once the file is seen to change: on a lookup, or by this poll. A
  // revoked token's browser sessions end with it.
  credentials.store.onChange((c) => {
    if (c.kind === 'api-token' && c.change === 'revoked') sessions.endByToken(c.id);
    audit.record({
      timeMs: now(),
      actor: { kind: 'system', id: 'hidsmon' },
      action: c.change === 'created' ? 'keys:Create' : 'keys:Revoke',
      resource: c.id,
      outcome: 'allowed',
      message: `${c.kind === 'access-key' ? `access key (${c.profile})` : `API token (${c.role})`} ${c.change} in ${credentials.file}`,
      detail: c.kind === 'access-key' ? { kind: c.kind, profile: c.profile, ...(c.logGroups ? { log_groups: c.logGroups } : {}) } : { kind: c.kind, role: c.role },
    });
  });
  const keysTimer = setInterval(() => credentials.store.poll(), 2000);
  keysTimer.unref();

  let lastRetention: (RetentionOutcome & { ranAt: number }) | undefined;
  const app = createApp({
    backend: index,
    now,
    metrics,
    maxApiBodyBytes: (config.limits ?? DEFAULT_LIMITS).maxRequestBodyBytes,
    onInternalError: (error, requestId, request) => logger.error({ err: error, requestId, method: request.method, path: request.path }, 'Request failed on a bug; answered 500.'),
    onUnavailable: (error, requestId, request) => logger.warn({ err: error.message, requestId, method: request.method, path: request.path }, 'The index is unavailable; answered 503.'),
    trusted: new TrustedNetworks(config.trustedNetworks),
    sessions,
    secure: tls !== undefined,
    authenticateToken: (secret) => credentials.store.lookupApiToken(secret),
    keys: () => keysListing(credentials.store, config),
    ...(options.ui ? { ui: options.ui } : {}),
    audit,
    auditLog: audit,
    savedObjects,
    detections: { store: detections.store, notifications: detections.view, rules: detectionEngine.catalog },
    cloudWatch: async (request) => {
      const response = await handleCloudWatchLogs(request, {
        store: log,
        destinations: [...sinks.keys()],
        owner: config.owner,
        region: config.region,
        nowMs: now,
        admission: admitPut,
        credentials: (id) => credentials.store.lookupAccessKey(id),
        audit,
        onInternalError: (error, requestId) => logger.error({ err: error, requestId }, 'CloudWatch Logs request failed on a bug; answered 500.'),
      });
      if (response.status >= 400) {
        const reason = String(JSON.parse(response.body || '{}').__type ?? 'error');
        metrics.rejected.inc(1, { reason });
        sinceStart.rejected.set(reason, (sinceStart.rejected.get(reason) ?? 0) + 1);
      }
      return response;
    },
    ingestStatus: async () => {
      const stats = await log.stats();
      const lag = await forwarder.lag();
      return {
        log: { groups: stats.groups, streams: stats.streams, events: stats.events, stored_bytes: stats.storedBytes, last_sequence: stats.lastSequence },
        streams: stats.streamsDetail.map((s) => ({ log_group: s.logGroup, log_stream: s.logStream, events: s.events, last_event: s.lastEventTimestamp ?? null, last_ingestion: s.lastIngestionTime ?? null })),
        forwarder: lag.map((l) => ({ destination: l.destination, status: l.status, cursor: l.cursor, lag_events: l.lagEvents, lag_seconds: l.lagSeconds, restarts: l.restarts, ...(l.lastError ? { last_error: l.lastError } : {}) })),
        dead_letters: await log.countDeadLetters(),
        flow_control: flowControlJson(admission),
        since: sinceStart.startedMs,
        rejected: Object.fromEntries(sinceStart.rejected),
        duplicates: Object.fromEntries(sinceStart.duplicates),
        retention: retentionStatus(lastRetention),
        log_groups: await logGroupsStatus(log, audit),
      };
    },
    health: async () => {
      const [lag, connection] = await Promise.all([forwarder.lag(), openSearch?.probe.state()]);
      return healthOf(lag, { lagThresholdSeconds: config.healthLagSeconds ?? 300, nowMs: now(), ...(connection ? { connections: [connection] } : {}) });
    },
    deadLetters: async (limit) => (await log.listDeadLetters({ limit })).map(deadLetterJson),
    removeDeadLetters: (ids) => log.removeDeadLetters(ids),
    replayDeadLetters: (request) => replayDeadLetters(log, forwarder, request),
    ...(config.silentHostSeconds !== undefined ? { silentHostSeconds: config.silentHostSeconds } : {}),
  });

  // What PutLogEvents stored, counted once per commit.
  log.onAppend((_, appended) => {
    metrics.eventsIn.inc(appended.events);
    metrics.bytesIn.inc(appended.bytes);
    admission.observeStored(appended.events, appended.bytes);
  });

  const server = await listen({
    fetch: app.fetch,
    host: config.host,
    port: config.port,
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    onPlaintext: () => metrics.rejected.inc(1, { reason: 'plaintext_on_tls_port' }),
  });
  const port = server.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  detections.start(url);
  // The server's own link (printed at start) signs in as admin unless asked for less.
  const newLoginUrl = (role: QueryRole = 'admin'): string => `${url}/login?token=${sessions.issueLoginToken({ role, tokenId: 'hidsmon' })}`;

  // Retention runs soon after start (a server restarted more often than hourly still expires
  // events), then hourly; while it waits on a destination it looks again every minute, so held
  // events go soon after they are taken and /api/ingest does not say "waiting" for long after.
  const retentionEveryMs = options.retentionIntervalMs ?? 3_600_000;
  const runRetention = async (): Promise<boolean> => {
    // One time for the whole run: the index and the log are judged against the same moment.
    const ranAt = now();
    try {
      if (config.retentionDays > 0 && backendKind === 'embedded') {
        const dropped = await index.deleteOlderThan(config.retentionDays, ranAt);
        if (dropped.length > 0) logger.info({ dropped }, 'Dropped daily indices past retention.');
      }
      // A cluster that is down keeps its indices until the next run; the log's retention goes on.
      if (openSearch) {
        const dropped = await openSearch.expire(ranAt).catch((e: unknown) => {
          if (stopped === undefined) logger.warn({ err: e }, 'Could not delete OpenSearch indices past retention; tried again at the next run.');
          return [];
        });
        if (dropped.length > 0) logger.info({ dropped, url: config.openSearch?.url }, 'Dropped OpenSearch daily indices past retention.');
      }
      // Only destinations that receive events now count: a subscription's, or the embedded index by auto-subscription.
      const receivers = (await source.subscriptions()).filter((s) => sinks.has(s.destination)).map((s) => ({ logGroup: s.logGroup, destination: s.destination }));
      const outcome = await log.expireEvents(ranAt, receivers);
      const expiredAudit = await audit.expire(ranAt);
      if (expiredAudit > 0) logger.info({ entries: expiredAudit, days: config.auditRetentionDays ?? 90 }, 'Deleted audit log entries past audit_retention_days.');
      lastRetention = { ...outcome, ranAt };
      if (outcome.waitingOn.length > 0) logger.warn({ heldEvents: outcome.heldEvents, waitingOn: outcome.waitingOn }, 'Retention keeps expired log events that a destination has not taken yet.');
      return outcome.waitingOn.length > 0;
    } catch (e) {
      if (stopped === undefined) logger.error({ err: e }, 'Retention failed; it runs again later.');
      return false;
    }
  };
  let retention: ReturnType<typeof setTimeout>;
  const scheduleRetention = (delayMs: number): void => {
    retention = setTimeout(() => {
      void runRetention().then((waiting) => {
        if (stopped === undefined) scheduleRetention(waiting ? Math.min(retentionEveryMs, 60_000) : retentionEveryMs);
      });
    }, delayMs);
    retention.unref();
  };
  scheduleRetention(Math.min(retentionEveryMs, 60_000));

  // A server that runs for months keeps a valid certificate: `auto` renews its own before it
  // expires, and files an operator (or certbot) replaced are served from the next handshake on.
  const refreshTls = async (): Promise<void> => {
    if (!config.tls || !tls) return;
    const next = await resolveTls(config.tls, config.dataDir, config.host, now()).catch((e: Error) => ({ ok: false as const, error: [e.message] }));
    if (!next.ok) {
      logger.error({ problems: next.error }, 'The TLS certificate could not be read again; the server keeps serving the one it has.');
      return;
    }
    if (next.value.fingerprint256 === tls.fingerprint256) return;
    server.setCertificate({ cert: next.value.cert, key: next.value.key });
    tls = next.value;
    logger.info({ certFile: tls.certFile, fingerprint256: tls.fingerprint256, notAfter: tls.notAfter.toISOString() }, 'Serving a new TLS certificate.');
  };
  const tlsTimer = tls ? setInterval(() => void refreshTls(), options.tlsRefreshIntervalMs ?? 3_600_000) : undefined;
  tlsTimer?.unref();

  let stopped: Promise<boolean> | undefined;
  return {
    url,
    port,
    get tls() {
      return tls;
    },
    loginUrl: newLoginUrl(),
    credentials,
    config,
    index,
    openSearch,
    log,
    audit,
    forwarder,
    metrics,
    detections,
    detectionEngine,
    newLoginUrl,
    // Bounded, so that SIGTERM ends a server whose sink is stuck within seconds: cursors are saved
    // after every batch a sink took, so whatever is abandoned here is delivered again next start.
    stop: () =>
      (stopped ??= (async () => {
        const deadline = performance.now() + (options.stopDeadlineMs ?? 5000);
        const left = (): number => Math.max(0, deadline - performance.now());
        clearTimeout(retention);
        stopInbox();
        clearInterval(lagTimer);
        clearInterval(keysTimer);
        clearInterval(tlsTimer);
        const closed = server.close();
        // Requests in flight get a moment to finish; then their connections are cut.
        if (!(await within(closed, Math.min(1000, left())))) server.closeAllConnections();
        let clean = await forwarder.stop(Math.max(0, left() - 500));
        // A write that never returned holds the store's queue: closing would wait for it.
        if (clean) clean = await within(index.close(), left());
        if (clean && openSearch) clean = await within(openSearch.close(), left());
        clean = (await within(log.close(), Math.max(left(), 250))) && clean;
        clean = (await within(savedObjects.close(), Math.max(left(), 250))) && clean;
        // The engine evaluates what it has queued and saves its state; its last detections need the store open.
        clean = (await within(detectionEngine.stop(), Math.max(left(), 2500))) && clean;
        clean = (await within(detections.close(), Math.max(left(), 250))) && clean;
        clean = (await within(audit.close(), Math.max(left(), 250))) && clean;
        if (!clean) logger.warn({ deadlineMs: options.stopDeadlineMs ?? 5000 }, 'Stopped with work still in flight; it is redone on the next start.');
        return clean;
      })()),
  };
}

/** The query API's index under `backend: opensearch`: searches go to the backend, writes to the sink the forwarder uses. */
function openSearchIndex(parts: OpenSearchParts): ServerIndex {
  const backend = parts.backend as NonNullable<OpenSearchParts['backend']>;
  return {
    ...searchableIndex(backend, parts.sink),
    // The parts are closed with the server, after the forwarder.
    close: async () => undefined,
  };
}

/** The TLS setting cannot be served: every reason, each naming the setting and what to do. */
export class TlsSetupError extends Error {
  readonly code = 'TLS_SETUP';
  constructor(readonly problems: string[]) {
    super(`TLS cannot be set up:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TlsSetupError';
  }
}

/** True if `promise` settles within `ms` (a rejection counts as settled: stop goes on). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return settleWithin(
    promise.then(
      () => true,
      () => true,
    ),
    ms,
    false,
  );
}

/** Each log group's retention and subscription filters, with the latest changes to them (who, when, from where, outcome). */
async function logGroupsStatus(log: LogStore, audit: AuditStore): Promise<IngestLogGroup[]> {
  const filters = log.listSubscriptionFilters();
  const changes = await indexingChangesByGroup(audit);
  const groups = log.listLogGroups();
  const names = new Set(groups.map((g) => g.name));
  return [
    ...groups.map((g) => ({
      name: g.name,
      exists: true,
      retention_days: g.retentionInDays ?? null,
      subscription_filters: filters.ok ? filters.value.filter((f) => f.logGroup === g.name).map((f) => ({ name: f.name, pattern: f.pattern, destination: f.destinationArn })) : [],
      recent_changes: changes.get(g.name) ?? [],
    })),
    // A deleted group's last changes stay visible: deleting it is one of them.
    ...[...changes].filter(([name]) => !names.has(name)).map(([name, recent]) => ({ name, exists: false, retention_days: null, subscription_filters: [], recent_changes: recent })),
  ];
}

/** The last retention run as `/api/ingest` shows it: `waiting` while expired events are held back for a destination. */
function retentionStatus(last: (RetentionOutcome & { ranAt: number }) | undefined): NonNullable<IngestStatus['retention']> {
  if (!last) return { last_run: null, waiting: false, held_events: 0, waiting_on: [] };
  return {
    last_run: last.ranAt,
    deleted: last.deleted,
    waiting: last.waitingOn.length > 0,
    held_events: last.heldEvents,
    waiting_on: last.waitingOn.map((w) => ({ destination: w.destination, cursor: w.cursor, held_events: w.heldEvents })),
  };
}
