/**
 * @module The durable log behind the CloudWatch-Logs-compatible API: log groups, streams, events
 * with a global sequence number, subscription filters, forwarder cursors and dead letters, in one
 * DuckDB file. Writes go through one lane; concurrent PutLogEvents calls share a commit.
 */
import { BIGINT, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { cloudWatchEventId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { classifyLogEvents, type RejectedLogEvents } from './classify-log-events.js';
import { databaseFileBytes, SerialQueue } from '../storage/duckdb-support.js';
import { GroupCommit } from './group-commit.js';
import { createLogStatements, CURSORS, DEAD_LETTERS, EVENTS, FILTERS, GROUPS, META, STREAMS } from './log-schema.js';

export type { RejectedLogEvents } from './classify-log-events.js';

const DAY_MS = 86_400_000;
const CHUNK_ROWS = 2048;
/** Rows FilterLogEvents reads per query before matching them in JavaScript: the first query, and the most. */
const FILTER_FIRST_PAGE_ROWS = 1000;
const FILTER_MAX_PAGE_ROWS = 16_000;
/** CloudWatch counts 26 bytes of overhead per event against its 1 MB limits. */
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_SUBSCRIPTION_FILTERS_PER_GROUP = 2;

export type LogGroupClass = 'STANDARD' | 'INFREQUENT_ACCESS' | 'ESSENTIALS' | 'DELIVERY';
export type Distribution = 'ByLogStream' | 'Random';

export interface LogStoreOptions {
  /** The database file (e.g. `<dataDir>/log.duckdb`), or `:memory:` for tests. */
  path: string;
  /** Clock for creation and ingestion times and the age of incoming events (default Date.now). */
  now?: () => number;
  /** DuckDB worker threads (default: all cores). */
  threads?: number;
  /** Write-ahead log size that triggers a checkpoint (DuckDB syntax, default `128MB`). */
  checkpointThreshold?: string;
}

export interface LogGroupInfo {
  name: string;
  creationTime: number;
  /** Undefined: events never expire. */
  retentionInDays?: number;
  logGroupClass: LogGroupClass;
  kmsKeyId?: string;
  tags: Record<string, string>;
  deletionProtection: boolean;
  /** UTF-8 bytes of the messages held. */
  storedBytes: number;
}

export interface LogStreamInfo {
  logGroup: string;
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** Sequence number of the stream's last stored event. */
  lastSequence?: number;
  events: number;
  storedBytes: number;
}

export interface SubscriptionFilterInfo {
  logGroup: string;
  name: string;
  pattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: Distribution;
  creationTime: number;
}

export interface LogEventInput {
  timestamp: number;
  message: string;
}

export interface StoredEvent {
  /** The store's global sequence number: increases with every committed event, never reused. */
  sequence: number;
  /** `cloudWatchEventId(timestamp, sequence)`: 56 digits. */
  eventId: string;
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

/** A place in a stream's or group's time order: events sort by (timestamp, sequence). */
export interface EventPosition {
  timestamp: number;
  sequence: number;
}

export interface PutLogEventsResult {
  /** Events stored (the batch minus rejected ones). */
  stored: number;
  /** The sequence numbers given to the stored events, when any were stored. */
  firstSequence?: number;
  lastSequence?: number;
  rejected?: RejectedLogEvents;
}

export type LogStoreError =
  | { kind: 'group-not-found' }
  | { kind: 'stream-not-found' }
  | { kind: 'group-exists' }
  | { kind: 'stream-exists' }
  | { kind: 'filter-not-found' }
  | { kind: 'filter-limit'; limit: number }
  | { kind: 'span-too-long' };

type NotFound = { kind: 'group-not-found' } | { kind: 'stream-not-found' };

export interface CreateLogGroupOptions {
  logGroupClass?: LogGroupClass;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  deletionProtection?: boolean;
}

export interface GetLogEventsQuery {
  logGroup: string;
  logStream: string;
  /** Inclusive. */
  startTime?: number;
  /** Exclusive. */
  endTime?: number;
  /** Continue after (forward) or before (backward) this position; without it, from the head or the tail. */
  from?: { direction: 'forward' | 'backward'; position: EventPosition };
  /** Without `from`: true = the oldest page, false = the newest page. */
  startFromHead: boolean;
  limit: number;
  /** Stop adding events once messages plus overhead reach this many bytes (at least one event is returned). */
  maxBytes: number;
}

export interface FilterLogEventsQuery {
  logGroup: string;
  /** Only these streams (names that do not exist are ignored). */
  logStreams?: readonly string[];
  logStreamPrefix?: string;
  startTime?: number;
  endTime?: number;
  matcher?: (message: string) => boolean;
  /** Substrings every match contains (pushed into SQL to skip rows early). */
  mustContain?: readonly string[];
  /** Continue after this position in the scan direction. */
  after?: EventPosition;
  descending: boolean;
  limit: number;
  maxBytes: number;
  /** Stop after scanning this many events and return a position to continue from. */
  maxScan: number;
}

export interface FilterLogEventsPage {
  events: StoredEvent[];
  /** Where to continue; absent when the scan reached the end. */
  next?: EventPosition;
}

export interface DeadLetterInput {
  timeMs: number;
  destination: string;
  reason: string;
  logGroup: string;
  logStream: string;
  eventId: string;
  timestamp: number;
  message: string;
}

export interface DeadLetter extends DeadLetterInput {
  id: number;
}

/** What one commit added: events, and their messages' UTF-8 bytes (without the 26-byte overhead). */
export interface Appended {
  events: number;
  bytes: number;
}

export interface LogStoreStats {
  groups: number;
  streams: number;
  events: number;
  storedBytes: number;
  lastSequence: number;
  /** Bytes of the database file and its write-ahead log (0 in memory). */
  fileBytes: number;
  streamsDetail: Array<{ logGroup: string; logStream: string; events: number; lastEventTimestamp?: number; lastIngestionTime?: number }>;
}

interface GroupState {
  id: number;
  name: string;
  creationTime: number;
  retentionDays?: number;
  logGroupClass: LogGroupClass;
  kmsKeyId?: string;
  tags: Record<string, string>;
  deletionProtection: boolean;
  streams: Map<string, StreamState>;
  filters: Map<string, SubscriptionFilterInfo>;
}

interface StreamState {
  id: number;
  group: GroupState;
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  lastSequence?: number;
  events: number;
  bytes: number;
}

interface PutRequest {
  group: string;
  stream: string;
  events: readonly LogEventInput[];
  bytes: Int32Array;
}

type PutResult = Result<PutLogEventsResult, NotFound | { kind: 'span-too-long' }>;

const EVENT_TYPES: DuckDBType[] = [BIGINT, INTEGER, INTEGER, BIGINT, BIGINT, INTEGER, VARCHAR];
const DEAD_LETTER_TYPES: DuckDBType[] = [BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, BIGINT, VARCHAR];

export class LogStore {
  private readonly writes = new SerialQueue();
  private readonly reads = new SerialQueue();
  private readonly groups = new Map<string, GroupState>();
  private readonly streamsById = new Map<number, StreamState>();
  private readonly cursors = new Map<string, number>();
  private readonly listeners = new Set<(lastSequence: number, appended: Appended) => void>();
  private readonly puts: GroupCommit<PutRequest, PutResult>;
  private lastSeq = 0;
  private lastDeadLetterId = 0;
  private lastId = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly options: LogStoreOptions,
  ) {
    this.puts = new GroupCommit(this.writes, (requests) => this.commitPuts(requests));
  }

  static async open(options: LogStoreOptions): Promise<LogStore> {
    // zstd for messages needs the newer storage format.
    const config: Record<string, string> = { storage_compatibility_version: 'latest', checkpoint_threshold: options.checkpointThreshold ?? '128MB' };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    // DuckDB's own default is 80% of the machine's memory; the log needs little (it appends and scans).
    config['memory_limit'] ??= '512MB';
    const instance = await DuckDBInstance.create(options.path, config);
    const writer = await instance.connect();
    try {
      for (const statement of createLogStatements()) await writer.run(statement);
      const reader = await instance.connect();
      const store = new LogStore(instance, writer, reader, options);
      await store.load();
      return store;
    } catch (e) {
      writer.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  private async load(): Promise<void> {
    const rows = async (sql: string): Promise<DuckDBValue[][]> => (await this.writer.runAndReadAll(sql)).getRows();
    const groupsById = new Map<number, GroupState>();
    for (const [id, name, creation, retention, cls, kms, tags, protection] of await rows(`SELECT id, name, creation_time, retention_days, log_group_class, kms_key_id, tags, deletion_protection FROM ${GROUPS}`)) {
      const group: GroupState = {
        id: Number(id),
        name: String(name),
        creationTime: Number(creation),
        logGroupClass: String(cls) as LogGroupClass,
        tags: JSON.parse(String(tags ?? '{}')) as Record<string, string>,
        deletionProtection: protection === true,
        streams: new Map(),
        filters: new Map(),
      };
      if (retention !== null) group.retentionDays = Number(retention);
      if (kms !== null) group.kmsKeyId = String(kms);
      groupsById.set(group.id, group);
      this.groups.set(group.name, group);
      this.lastId = Math.max(this.lastId, group.id);
    }
    for (const [id, groupId, name, creation] of await rows(`SELECT id, group_id, name, creation_time FROM ${STREAMS}`)) {
      const group = groupsById.get(Number(groupId));
      if (!group) continue;
      const stream: StreamState = { id: Number(id), group, name: String(name), creationTime: Number(creation), events: 0, bytes: 0 };
      group.streams.set(stream.name, stream);
      this.streamsById.set(stream.id, stream);
      this.lastId = Math.max(this.lastId, stream.id);
    }
    for (const [groupId, name, pattern, destination, role, distribution, creation] of await rows(`SELECT group_id, name, pattern, destination_arn, role_arn, distribution, creation_time FROM ${FILTERS}`)) {
      const group = groupsById.get(Number(groupId));
      if (!group) continue;
      const filter: SubscriptionFilterInfo = { logGroup: group.name, name: String(name), pattern: String(pattern), destinationArn: String(destination), distribution: String(distribution) as Distribution, creationTime: Number(creation) };
      if (role !== null) filter.roleArn = String(role);
      group.filters.set(filter.name, filter);
    }
    await this.loadStreamStats();
    for (const [destination, seq] of await rows(`SELECT destination, seq FROM ${CURSORS}`)) this.cursors.set(String(destination), Number(seq));
    const [meta] = await rows(`SELECT max(value) FROM ${META} WHERE name = 'last_sequence'`);
    const [maxSeq] = await rows(`SELECT max(seq) FROM ${EVENTS}`);
    this.lastSeq = Math.max(Number(meta?.[0] ?? 0), Number(maxSeq?.[0] ?? 0));
    const [maxLetter] = await rows(`SELECT max(id) FROM ${DEAD_LETTERS}`);
    this.lastDeadLetterId = Number(maxLetter?.[0] ?? 0);
  }

  /** Stream statistics are the aggregate of the events held (after retention, as well). */
  private async loadStreamStats(groupIds?: number[]): Promise<void> {
    const where = groupIds ? `WHERE group_id IN (${groupIds.map(sqlInt).join(', ')})` : '';
    const result = await this.writer.runAndReadAll(`SELECT stream_id, count(*), sum(bytes), min(ts), max(ts), max(ingestion_time), max(seq) FROM ${EVENTS} ${where} GROUP BY stream_id`);
    if (groupIds) {
      const ids = new Set(groupIds);
      for (const stream of this.streamsById.values()) {
        if (!ids.has(stream.group.id)) continue;
        stream.events = 0;
        stream.bytes = 0;
        delete stream.firstEventTimestamp;
        delete stream.lastEventTimestamp;
        delete stream.lastIngestionTime;
        delete stream.lastSequence;
      }
    }
    for (const [id, count, bytes, first, last, ingestion, seq] of result.getRows()) {
      const stream = this.streamsById.get(Number(id));
      if (!stream) continue;
      stream.events = Number(count);
      stream.bytes = Number(bytes);
      stream.firstEventTimestamp = Number(first);
      stream.lastEventTimestamp = Number(last);
      stream.lastIngestionTime = Number(ingestion);
      stream.lastSequence = Number(seq);
    }
  }

  // ------------------------------------------------------------------ log groups and streams

  createLogGroup(name: string, options: CreateLogGroupOptions = {}): Promise<Result<LogGroupInfo, { kind: 'group-exists' }>> {
    return this.write(async () => {
      if (this.groups.has(name)) return err({ kind: 'group-exists' as const });
      const group: GroupState = {
        id: this.lastId + 1,
        name,
        creationTime: this.now(),
        logGroupClass: options.logGroupClass ?? 'STANDARD',
        tags: { ...(options.tags ?? {}) },
        deletionProtection: options.deletionProtection ?? false,
        streams: new Map(),
        filters: new Map(),
      };
      if (options.kmsKeyId !== undefined) group.kmsKeyId = options.kmsKeyId;
      await this.writer.run(`INSERT INTO ${GROUPS} VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)`, [
        group.id,
        name,
        BigInt(group.creationTime),
        group.logGroupClass,
        group.kmsKeyId ?? null,
        JSON.stringify(group.tags),
        group.deletionProtection,
      ]);
      this.lastId = group.id;
      this.groups.set(name, group);
      return ok(groupInfo(group));
    });
  }

  /** Deletes the group with its streams, events and subscription filters. */
  deleteLogGroup(name: string): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.write(async () => {
      const group = this.groups.get(name);
      if (!group) return err({ kind: 'group-not-found' as const });
      await this.transaction(async () => {
        await this.saveLastSequence();
        await this.writer.run(`DELETE FROM ${EVENTS} WHERE group_id = $1`, [group.id]);
        await this.writer.run(`DELETE FROM ${STREAMS} WHERE group_id = $1`, [group.id]);
        await this.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1`, [group.id]);
        await this.writer.run(`DELETE FROM ${GROUPS} WHERE id = $1`, [group.id]);
      });
      for (const stream of group.streams.values()) this.streamsById.delete(stream.id);
      this.groups.delete(name);
      return ok(undefined);
    });
  }

  getLogGroup(name: string): LogGroupInfo | undefined {
    const group = this.groups.get(name);
    return group ? groupInfo(group) : undefined;
  }

  /** All log groups, sorted by name (ASCII). */
  listLogGroups(): LogGroupInfo[] {
    return [...this.groups.values()].map(groupInfo).sort((a, b) => compareText(a.name, b.name));
  }

  putRetentionPolicy(group: string, days: number | undefined): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      await this.writer.run(`UPDATE ${GROUPS} SET retention_days = $1 WHERE id = $2`, [days ?? null, state.id]);
      if (days === undefined) delete state.retentionDays;
      else state.retentionDays = days;
      return ok(undefined);
    });
  }

  /** While on, the API refuses to delete the group or its streams. */
  setDeletionProtection(group: string, enabled: boolean): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      await this.writer.run(`UPDATE ${GROUPS} SET deletion_protection = $1 WHERE id = $2`, [enabled, state.id]);
      state.deletionProtection = enabled;
      return ok(undefined);
    });
  }

  createLogStream(group: string, name: string): Promise<Result<LogStreamInfo, { kind: 'group-not-found' } | { kind: 'stream-exists' }>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      if (state.streams.has(name)) return err({ kind: 'stream-exists' as const });
      const stream: StreamState = { id: this.lastId + 1, group: state, name, creationTime: this.now(), events: 0, bytes: 0 };
      await this.writer.run(`INSERT INTO ${STREAMS} VALUES ($1, $2, $3, $4)`, [stream.id, state.id, name, BigInt(stream.creationTime)]);
      this.lastId = stream.id;
      state.streams.set(name, stream);
      this.streamsById.set(stream.id, stream);
      return ok(streamInfo(stream));
    });
  }

  deleteLogStream(group: string, name: string): Promise<Result<void, NotFound>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      const stream = state.streams.get(name);
      if (!stream) return err({ kind: 'stream-not-found' as const });
      await this.transaction(async () => {
        await this.saveLastSequence();
        await this.writer.run(`DELETE FROM ${EVENTS} WHERE stream_id = $1`, [stream.id]);
        await this.writer.run(`DELETE FROM ${STREAMS} WHERE id = $1`, [stream.id]);
      });
      state.streams.delete(name);
      this.streamsById.delete(stream.id);
      return ok(undefined);
    });
  }

  getLogStream(group: string, name: string): Result<LogStreamInfo, NotFound> {
    const state = this.groups.get(group);
    if (!state) return err({ kind: 'group-not-found' });
    const stream = state.streams.get(name);
    return stream ? ok(streamInfo(stream)) : err({ kind: 'stream-not-found' });
  }

  /** The group's streams, sorted by name (ASCII). */
  listLogStreams(group: string): Result<LogStreamInfo[], { kind: 'group-not-found' }> {
    const state = this.groups.get(group);
    if (!state) return err({ kind: 'group-not-found' });
    return ok([...state.streams.values()].map(streamInfo).sort((a, b) => compareText(a.name, b.name)));
  }

  // ------------------------------------------------------------------ subscription filters

  /** Creates or (same name) replaces a filter; a group holds at most two. */
  putSubscriptionFilter(group: string, filter: Omit<SubscriptionFilterInfo, 'logGroup' | 'creationTime'>): Promise<Result<SubscriptionFilterInfo, { kind: 'group-not-found' } | { kind: 'filter-limit'; limit: number }>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      const existing = state.filters.get(filter.name);
      if (!existing && state.filters.size >= MAX_SUBSCRIPTION_FILTERS_PER_GROUP) return err({ kind: 'filter-limit' as const, limit: MAX_SUBSCRIPTION_FILTERS_PER_GROUP });
      const info: SubscriptionFilterInfo = { logGroup: group, name: filter.name, pattern: filter.pattern, destinationArn: filter.destinationArn, distribution: filter.distribution, creationTime: existing?.creationTime ?? this.now() };
      if (filter.roleArn !== undefined) info.roleArn = filter.roleArn;
      await this.transaction(async () => {
        await this.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1 AND name = $2`, [state.id, filter.name]);
        await this.writer.run(`INSERT INTO ${FILTERS} VALUES ($1, $2, $3, $4, $5, $6, $7)`, [state.id, info.name, info.pattern, info.destinationArn, info.roleArn ?? null, info.distribution, BigInt(info.creationTime)]);
      });
      state.filters.set(info.name, info);
      return ok({ ...info });
    });
  }

  deleteSubscriptionFilter(group: string, name: string): Promise<Result<void, { kind: 'group-not-found' } | { kind: 'filter-not-found' }>> {
    return this.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      if (!state.filters.has(name)) return err({ kind: 'filter-not-found' as const });
      await this.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1 AND name = $2`, [state.id, name]);
      state.filters.delete(name);
      return ok(undefined);
    });
  }

  /** One group's filters sorted by name, or every group's (for the forwarder) when no group is given. */
  listSubscriptionFilters(group?: string): Result<SubscriptionFilterInfo[], { kind: 'group-not-found' }> {
    const states = group === undefined ? [...this.groups.values()] : [this.groups.get(group)];
    if (states[0] === undefined && group !== undefined) return err({ kind: 'group-not-found' });
    const filters: SubscriptionFilterInfo[] = [];
    for (const state of states) if (state) for (const f of state.filters.values()) filters.push({ ...f });
    return ok(filters.sort((a, b) => compareText(a.logGroup, b.logGroup) || compareText(a.name, b.name)));
  }

  // ------------------------------------------------------------------ events

  /**
   * Appends events (in time order, validated by the caller) to a stream. Resolves once they are
   * committed durably; calls made while a commit runs share the next one. Events too old, older
   * than the group's retention or too far ahead are left out and reported.
   */
  putLogEvents(group: string, stream: string, events: readonly LogEventInput[]): Promise<PutResult> {
    try {
      this.assertOpen();
      // Byte counts now, outside the writer lane: the next batch's JavaScript work overlaps this commit.
      const bytes = new Int32Array(events.length);
      for (let i = 0; i < events.length; i++) bytes[i] = Buffer.byteLength((events[i] as LogEventInput).message, 'utf8');
      return this.puts.submit({ group, stream, events, bytes });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Transactions run for PutLogEvents so far (fewer than calls when commits were shared). */
  get putCommits(): number {
    return this.puts.commits;
  }

  private async commitPuts(requests: PutRequest[]): Promise<PutResult[]> {
    this.assertOpen();
    const now = this.now();
    const results: PutResult[] = [];
    const columns: DuckDBValue[][] = EVENT_TYPES.map(() => []);
    const [seqs, groupIds, streamIds, times, ingestion, sizes, messages] = columns as [DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[]];
    const updates: Array<{ stream: StreamState; first: number; last: number; lastSeq: number; count: number; bytes: number }> = [];
    const nowBig = BigInt(now);
    let seq = this.lastSeq;
    for (const request of requests) {
      const group = this.groups.get(request.group);
      if (!group) {
        results.push(err({ kind: 'group-not-found' }));
        continue;
      }
      const stream = group.streams.get(request.stream);
      if (!stream) {
        results.push(err({ kind: 'stream-not-found' }));
        continue;
      }
      const range = classifyLogEvents(
        request.events.map((e) => e.timestamp),
        now,
        group.retentionDays,
      );
      if (!range.ok) {
        results.push(range);
        continue;
      }
      const { start, end, rejected } = range.value;
      const result: PutLogEventsResult = { stored: end - start };
      if (rejected) result.rejected = rejected;
      if (end > start) {
        let first = Number.POSITIVE_INFINITY;
        let last = Number.NEGATIVE_INFINITY;
        let bytes = 0;
        result.firstSequence = seq + 1;
        for (let i = start; i < end; i++) {
          const event = request.events[i] as LogEventInput;
          const size = request.bytes[i] as number;
          seqs.push(BigInt(++seq));
          groupIds.push(group.id);
          streamIds.push(stream.id);
          times.push(BigInt(event.timestamp));
          ingestion.push(nowBig);
          sizes.push(size);
          messages.push(event.message);
          if (event.timestamp < first) first = event.timestamp;
          if (event.timestamp > last) last = event.timestamp;
          bytes += size;
        }
        result.lastSequence = seq;
        updates.push({ stream, first, last, lastSeq: seq, count: end - start, bytes });
      }
      results.push(ok(result));
    }
    if (seqs.length === 0) return results;
    await this.transaction(async () => {
      const appender = await this.writer.createAppender(EVENTS);
      try {
        for (let offset = 0; offset < seqs.length; offset += CHUNK_ROWS) {
          const rows = Math.min(CHUNK_ROWS, seqs.length - offset);
          const chunk = DuckDBDataChunk.create(EVENT_TYPES, rows);
          chunk.setColumns(columns.map((column) => (offset === 0 && rows === column.length ? column : column.slice(offset, offset + rows))));
          appender.appendDataChunk(chunk);
          // The appender works on this thread: flushing and yielding every chunk keeps a large
          // shared commit from stalling the HTTP server for tens of milliseconds.
          appender.flushSync();
          if (offset + rows < seqs.length) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        appender.closeSync();
      }
    });
    this.lastSeq = seq;
    const appended: Appended = { events: 0, bytes: 0 };
    for (const u of updates) {
      appended.events += u.count;
      appended.bytes += u.bytes;
      const s = u.stream;
      s.firstEventTimestamp = s.firstEventTimestamp === undefined ? u.first : Math.min(s.firstEventTimestamp, u.first);
      s.lastEventTimestamp = s.lastEventTimestamp === undefined ? u.last : Math.max(s.lastEventTimestamp, u.last);
      s.lastIngestionTime = now;
      s.lastSequence = u.lastSeq;
      s.events += u.count;
      s.bytes += u.bytes;
    }
    this.notify(appended);
    return results;
  }

  /** The highest sequence number given out (0 before the first event); survives deletions and restarts. */
  lastSequence(): number {
    return this.lastSeq;
  }

  /**
   * Calls `listener` with the last sequence number and what the commit added after each commit
   * that added events, so a forwarder wakes up at once and counters stay exact. Returns a
   * function that removes the listener.
   */
  onAppend(listener: (lastSequence: number, appended: Appended) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(appended: Appended): void {
    for (const listener of this.listeners) {
      try {
        listener(this.lastSeq, appended);
      } catch (e) {
        // A listener's bug must not fail the commit its callers are waiting for; surface it instead.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Events with a sequence number above `afterSeq`, in sequence order, optionally only from some groups. */
  readAfter(afterSeq: number, limit: number, groups?: readonly string[]): Promise<StoredEvent[]> {
    return this.read(async () => {
      const end = this.lastSeq;
      if (limit <= 0 || afterSeq >= end) return [];
      let groupFilter = '';
      if (groups) {
        const ids = groups.map((g) => this.groups.get(g)?.id).filter((id): id is number => id !== undefined);
        if (ids.length === 0) return [];
        groupFilter = ` AND group_id IN (${ids.map(sqlInt).join(', ')})`;
      }
      const out: StoredEvent[] = [];
      // Sequence windows instead of one ORDER BY over the whole backlog: each query touches only the
      // row groups whose seq range overlaps. Windows double when a group filter leaves them sparse.
      let low = Math.max(0, Math.floor(afterSeq));
      let window = Math.max(limit, 1024);
      while (out.length < limit && low < end) {
        const high = Math.min(end, low + window);
        const wanted = limit - out.length;
        const rows = await this.reader.runAndReadAll(
          `SELECT seq, stream_id, ts, ingestion_time, message FROM ${EVENTS} WHERE seq > $1 AND seq <= $2${groupFilter} ORDER BY seq LIMIT $3`,
          [BigInt(low), BigInt(high), BigInt(wanted)],
        );
        for (const row of rows.getRows()) {
          const event = this.storedEvent(row);
          if (event) out.push(event);
        }
        if (rows.currentRowCount >= wanted) break;
        low = high;
        window *= 2;
      }
      return out;
    });
  }

  /** GetLogEvents: one stream's events in (timestamp, sequence) order, a page at a time. */
  getLogEvents(query: GetLogEventsQuery): Promise<Result<StoredEvent[], NotFound>> {
    return this.read(async () => {
      const group = this.groups.get(query.logGroup);
      if (!group) return err({ kind: 'group-not-found' as const });
      const stream = group.streams.get(query.logStream);
      if (!stream) return err({ kind: 'stream-not-found' as const });
      const params: DuckDBValue[] = [];
      const p = (v: number): string => {
        params.push(BigInt(v));
        return `$${params.length}`;
      };
      const where = [`stream_id = ${p(stream.id)}`];
      if (query.startTime !== undefined) where.push(`ts >= ${p(query.startTime)}`);
      if (query.endTime !== undefined) where.push(`ts < ${p(query.endTime)}`);
      const forward = query.from ? query.from.direction === 'forward' : query.startFromHead;
      if (query.from) {
        const { timestamp, sequence } = query.from.position;
        const t = p(timestamp);
        where.push(forward ? `(ts > ${t} OR (ts = ${t} AND seq > ${p(sequence)}))` : `(ts < ${t} OR (ts = ${t} AND seq < ${p(sequence)}))`);
      }
      const dir = forward ? 'ASC' : 'DESC';
      const order = `ORDER BY ts ${dir}, seq ${dir}`;
      // The byte budget is applied inside DuckDB so that a page of large messages is cut before it
      // is copied out.
      const rows = await this.reader.runAndReadAll(
        `SELECT seq, ts, ingestion_time, message FROM (` +
          `SELECT seq, ts, ingestion_time, message, sum(bytes + ${EVENT_OVERHEAD_BYTES}) OVER (${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum, ` +
          `row_number() OVER (${order}) AS rn FROM (SELECT seq, ts, ingestion_time, bytes, message FROM ${EVENTS} WHERE ${where.join(' AND ')} ${order} LIMIT ${p(query.limit)})` +
          `) WHERE rn = 1 OR cum <= ${p(query.maxBytes)} ${order}`,
        params,
      );
      const events = rows.getRows().map(([seq, ts, ing, message]) => {
        const sequence = Number(seq);
        const timestamp = Number(ts);
        return { sequence, eventId: cloudWatchEventId(timestamp, sequence), logGroup: group.name, logStream: stream.name, timestamp, ingestionTime: Number(ing), message: String(message) };
      });
      if (!forward) events.reverse();
      return ok(events);
    });
  }

  /** FilterLogEvents: a group's events (optionally some streams) that match, in (timestamp, sequence) order. */
  filterLogEvents(query: FilterLogEventsQuery): Promise<Result<FilterLogEventsPage, { kind: 'group-not-found' }>> {
    return this.read(async () => {
      const group = this.groups.get(query.logGroup);
      if (!group) return err({ kind: 'group-not-found' as const });
      let streamFilter = '';
      if (query.logStreams !== undefined || query.logStreamPrefix !== undefined) {
        const prefix = query.logStreamPrefix;
        const names = query.logStreams ? new Set(query.logStreams) : undefined;
        const ids = [...group.streams.values()].filter((s) => (names ? names.has(s.name) : s.name.startsWith(prefix as string))).map((s) => s.id);
        if (ids.length === 0) return ok({ events: [] });
        streamFilter = ` AND stream_id IN (${ids.map(sqlInt).join(', ')})`;
      }
      const base: DuckDBValue[] = [group.id];
      const where = [`group_id = $1`];
      const add = (value: DuckDBValue): string => {
        base.push(value);
        return `$${base.length}`;
      };
      if (query.startTime !== undefined) where.push(`ts >= ${add(BigInt(query.startTime))}`);
      if (query.endTime !== undefined) where.push(`ts < ${add(BigInt(query.endTime))}`);
      for (const term of query.mustContain ?? []) where.push(`contains(message, ${add(term)})`);
      const dir = query.descending ? 'DESC' : 'ASC';
      const cmp = query.descending ? '<' : '>';
      const events: StoredEvent[] = [];
      let bytes = 0;
      let scanned = 0;
      let position = query.after;
      // Pages grow: a selective pattern then costs few queries, each a scan of the candidate rows.
      let pageSize = FILTER_FIRST_PAGE_ROWS;
      for (;;) {
        const params = [...base];
        let after = '';
        if (position) {
          params.push(BigInt(position.timestamp), BigInt(position.sequence));
          const t = `$${params.length - 1}`;
          after = ` AND (ts ${cmp} ${t} OR (ts = ${t} AND seq ${cmp} $${params.length}))`;
        }
        const pageRows = Math.min(pageSize, Math.max(1, query.maxScan - scanned));
        pageSize = Math.min(FILTER_MAX_PAGE_ROWS, pageSize * 2);
        const rows = (
          await this.reader.runAndReadAll(
            `SELECT seq, stream_id, ts, ingestion_time, message, bytes FROM ${EVENTS} WHERE ${where.join(' AND ')}${streamFilter}${after} ORDER BY ts ${dir}, seq ${dir} LIMIT ${pageRows}`,
            params,
          )
        ).getRows();
        for (const row of rows) {
          scanned++;
          const event = this.storedEvent(row);
          position = { timestamp: Number(row[2]), sequence: Number(row[0]) };
          if (!event || (query.matcher && !query.matcher(event.message))) continue;
          events.push(event);
          bytes += Number(row[5]) + EVENT_OVERHEAD_BYTES;
          if (events.length >= query.limit || bytes >= query.maxBytes) return ok({ events, next: position });
        }
        if (rows.length < pageRows) return ok({ events });
        if (scanned >= query.maxScan) return ok(position ? { events, next: position } : { events });
      }
    });
  }

  private storedEvent(row: DuckDBValue[]): StoredEvent | undefined {
    const [seq, streamId, ts, ingestion, message] = row;
    // A stream deleted after the read began: its events are gone too.
    const stream = this.streamsById.get(Number(streamId));
    if (!stream) return undefined;
    const sequence = Number(seq);
    const timestamp = Number(ts);
    return { sequence, eventId: cloudWatchEventId(timestamp, sequence), logGroup: stream.group.name, logStream: stream.name, timestamp, ingestionTime: Number(ingestion), message: String(message) };
  }

  /** Deletes events older than their group's retention; groups without retention keep everything. */
  expireEvents(nowMs: number): Promise<{ deleted: number }> {
    return this.write(async () => {
      const cutoffs = [...this.groups.values()].filter((g) => g.retentionDays !== undefined).map((g) => ({ id: g.id, cutoff: nowMs - (g.retentionDays as number) * DAY_MS }));
      const stale = cutoffs.filter(({ id, cutoff }) => [...this.streamsById.values()].some((s) => s.group.id === id && s.firstEventTimestamp !== undefined && s.firstEventTimestamp < cutoff));
      if (stale.length === 0) return { deleted: 0 };
      let deleted = 0;
      await this.transaction(async () => {
        await this.saveLastSequence();
        const condition = stale.map(({ id, cutoff }) => `(group_id = ${sqlInt(id)} AND ts < ${sqlInt(cutoff)})`).join(' OR ');
        deleted = (await this.writer.run(`DELETE FROM ${EVENTS} WHERE ${condition}`)).rowsChanged;
      });
      await this.loadStreamStats(stale.map((s) => s.id));
      return { deleted };
    });
  }

  // ------------------------------------------------------------------ forwarder state

  getCursor(destination: string): Promise<number | undefined> {
    return Promise.resolve(this.cursors.get(destination));
  }

  /** Records the last sequence number forwarded to a destination, durably. */
  setCursor(destination: string, seq: number): Promise<void> {
    return this.write(async () => {
      await this.transaction(async () => {
        await this.writer.run(`DELETE FROM ${CURSORS} WHERE destination = $1`, [destination]);
        await this.writer.run(`INSERT INTO ${CURSORS} VALUES ($1, $2)`, [destination, BigInt(seq)]);
      });
      this.cursors.set(destination, seq);
    });
  }

  /** Stores events a destination refused for good, with the reason; returns their ids. */
  addDeadLetters(letters: readonly DeadLetterInput[]): Promise<number[]> {
    if (letters.length === 0) return Promise.resolve([]);
    return this.write(async () => {
      const columns: DuckDBValue[][] = DEAD_LETTER_TYPES.map(() => []);
      const ids: number[] = [];
      let id = this.lastDeadLetterId;
      for (const l of letters) {
        ids.push(++id);
        const values: DuckDBValue[] = [BigInt(id), BigInt(l.timeMs), l.destination, l.reason, l.logGroup, l.logStream, l.eventId, BigInt(l.timestamp), l.message];
        values.forEach((v, c) => (columns[c] as DuckDBValue[]).push(v));
      }
      await this.transaction(async () => {
        const appender = await this.writer.createAppender(DEAD_LETTERS);
        try {
          for (let offset = 0; offset < ids.length; offset += CHUNK_ROWS) {
            const rows = Math.min(CHUNK_ROWS, ids.length - offset);
            const chunk = DuckDBDataChunk.create(DEAD_LETTER_TYPES, rows);
            chunk.setColumns(columns.map((c) => c.slice(offset, offset + rows)));
            appender.appendDataChunk(chunk);
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      });
      this.lastDeadLetterId = id;
      return ids;
    });
  }

  /** Dead letters in id order, after the id `after` (for paging). */
  listDeadLetters(options: { limit: number; after?: number; destination?: string }): Promise<DeadLetter[]> {
    return this.read(async () => {
      const params: DuckDBValue[] = [BigInt(options.after ?? 0), BigInt(Math.max(0, options.limit))];
      const destination = options.destination === undefined ? '' : ` AND destination = $3`;
      if (options.destination !== undefined) params.push(options.destination);
      const rows = await this.reader.runAndReadAll(`SELECT id, time, destination, reason, log_group, log_stream, event_id, ts, message FROM ${DEAD_LETTERS} WHERE id > $1${destination} ORDER BY id LIMIT $2`, params);
      return rows.getRows().map(([id, time, dest, reason, group, stream, eventId, ts, message]) => ({
        id: Number(id),
        timeMs: Number(time),
        destination: String(dest),
        reason: String(reason),
        logGroup: String(group),
        logStream: String(stream),
        eventId: String(eventId),
        timestamp: Number(ts),
        message: String(message),
      }));
    });
  }

  countDeadLetters(destination?: string): Promise<number> {
    return this.read(async () => {
      const rows = destination === undefined ? await this.reader.runAndReadAll(`SELECT count(*) FROM ${DEAD_LETTERS}`) : await this.reader.runAndReadAll(`SELECT count(*) FROM ${DEAD_LETTERS} WHERE destination = $1`, [destination]);
      return Number(rows.getRows()[0]?.[0] ?? 0);
    });
  }

  /** Removes dead letters (after a replay, say); returns how many were removed. */
  removeDeadLetters(ids: readonly number[]): Promise<number> {
    const valid = ids.filter((id) => Number.isSafeInteger(id));
    if (valid.length === 0) return Promise.resolve(0);
    return this.write(async () => (await this.writer.run(`DELETE FROM ${DEAD_LETTERS} WHERE id IN (${valid.map(sqlInt).join(', ')})`)).rowsChanged);
  }

  stats(): Promise<LogStoreStats> {
    let events = 0;
    let storedBytes = 0;
    const streamsDetail: LogStoreStats['streamsDetail'] = [];
    for (const s of this.streamsById.values()) {
      events += s.events;
      storedBytes += s.bytes;
      const detail: LogStoreStats['streamsDetail'][number] = { logGroup: s.group.name, logStream: s.name, events: s.events };
      if (s.lastEventTimestamp !== undefined) detail.lastEventTimestamp = s.lastEventTimestamp;
      if (s.lastIngestionTime !== undefined) detail.lastIngestionTime = s.lastIngestionTime;
      streamsDetail.push(detail);
    }
    streamsDetail.sort((a, b) => compareText(a.logGroup, b.logGroup) || compareText(a.logStream, b.logStream));
    return Promise.resolve({ groups: this.groups.size, streams: this.streamsById.size, events, storedBytes, lastSequence: this.lastSeq, fileBytes: this.fileBytes(), streamsDetail });
  }

  /** Writes everything to the main file (normally DuckDB does so when the log grows). */
  checkpoint(): Promise<void> {
    return this.write(async () => {
      await this.writer.run('CHECKPOINT');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.run(async () => undefined);
    await this.reads.run(async () => undefined);
    this.closed = true;
    this.listeners.clear();
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private fileBytes(): number {
    return databaseFileBytes(this.options.path);
  }

  /** Deletions make `max(seq)` shrink: the high-water mark is kept so that numbers are never reused. */
  private async saveLastSequence(): Promise<void> {
    await this.writer.run(`DELETE FROM ${META} WHERE name = 'last_sequence'`);
    await this.writer.run(`INSERT INTO ${META} VALUES ('last_sequence', $1)`, [BigInt(this.lastSeq)]);
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.writer.run('COMMIT');
    } catch (e) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private write<T>(task: () => Promise<T>): Promise<T> {
    return this.writes.run(async () => {
      this.assertOpen();
      return task();
    });
  }

  private read<T>(task: () => Promise<T>): Promise<T> {
    return this.reads.run(async () => {
      this.assertOpen();
      return task();
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The log store is closed.');
  }
}

function groupInfo(group: GroupState): LogGroupInfo {
  let storedBytes = 0;
  for (const s of group.streams.values()) storedBytes += s.bytes;
  const info: LogGroupInfo = { name: group.name, creationTime: group.creationTime, logGroupClass: group.logGroupClass, tags: { ...group.tags }, deletionProtection: group.deletionProtection, storedBytes };
  if (group.retentionDays !== undefined) info.retentionInDays = group.retentionDays;
  if (group.kmsKeyId !== undefined) info.kmsKeyId = group.kmsKeyId;
  return info;
}

function streamInfo(stream: StreamState): LogStreamInfo {
  const info: LogStreamInfo = { logGroup: stream.group.name, name: stream.name, creationTime: stream.creationTime, events: stream.events, storedBytes: stream.bytes };
  if (stream.firstEventTimestamp !== undefined) info.firstEventTimestamp = stream.firstEventTimestamp;
  if (stream.lastEventTimestamp !== undefined) info.lastEventTimestamp = stream.lastEventTimestamp;
  if (stream.lastIngestionTime !== undefined) info.lastIngestionTime = stream.lastIngestionTime;
  if (stream.lastSequence !== undefined) info.lastSequence = stream.lastSequence;
  return info;
}

/** Code-unit order, which is ASCII order for CloudWatch names (localeCompare would fold case). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An integer as SQL text: only for numbers the store made itself or checked to be integers. */
function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not a safe integer: ${value}`);
  return String(value);
}
