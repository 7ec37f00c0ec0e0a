/**
 * @module The durable log behind the CloudWatch-Logs-compatible API: log groups, streams, events
 * with a global sequence number, subscription filters, forwarder cursors and dead letters, in one
 * DuckDB file. Writes go through one lane; concurrent PutLogEvents calls share a commit. This class
 * is the facade; each concern lives in its own module (catalog, append, read, retention,
 * destination state) over one shared database.
 */
import type { Result } from '../core/result.js';
import { DestinationState } from './destination-state.js';
import { LogAppender, type PutResult } from './log-append.js';
import { LogCatalog } from './log-catalog.js';
import { LogDatabase } from './log-database.js';
import { LogReader } from './log-read.js';
import { expireEvents, type RetentionOutcome, type RetentionReceiver } from './log-retention.js';
import type {
  Appended,
  CreateLogGroupOptions,
  DeadLetter,
  DeadLetterInput,
  FilterLogEventsPage,
  FilterLogEventsQuery,
  GetLogEventsQuery,
  LogEventInput,
  LogGroupInfo,
  LogStoreOptions,
  LogStoreStats,
  LogStreamInfo,
  NotFound,
  StoredEvent,
  SubscriptionFilterInfo,
} from './log-types.js';

export type { RejectedLogEvents } from './classify-log-events.js';
export * from './log-types.js';
export type { RetentionOutcome, RetentionReceiver, RetentionWait } from './log-retention.js';

export class LogStore {
  private constructor(
    private readonly db: LogDatabase,
    private readonly catalog: LogCatalog,
    private readonly appender: LogAppender,
    private readonly reader: LogReader,
    private readonly destinations: DestinationState,
  ) {}

  static async open(options: LogStoreOptions): Promise<LogStore> {
    const db = await LogDatabase.open(options);
    try {
      const catalog = new LogCatalog(db);
      await catalog.load();
      const destinations = new DestinationState(db);
      await destinations.load();
      return new LogStore(db, catalog, new LogAppender(db, catalog), new LogReader(db, catalog), destinations);
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ log groups and streams

  createLogGroup(name: string, options: CreateLogGroupOptions = {}): Promise<Result<LogGroupInfo, { kind: 'group-exists' }>> {
    return this.catalog.createLogGroup(name, options);
  }

  /** Deletes the group with its streams, events and subscription filters. */
  deleteLogGroup(name: string): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.catalog.deleteLogGroup(name);
  }

  getLogGroup(name: string): LogGroupInfo | undefined {
    return this.catalog.getLogGroup(name);
  }

  /** All log groups, sorted by name (ASCII). */
  listLogGroups(): LogGroupInfo[] {
    return this.catalog.listLogGroups();
  }

  putRetentionPolicy(group: string, days: number | undefined): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.catalog.putRetentionPolicy(group, days);
  }

  /** While on, the API refuses to delete the group or its streams. */
  setDeletionProtection(group: string, enabled: boolean): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.catalog.setDeletionProtection(group, enabled);
  }

  createLogStream(group: string, name: string): Promise<Result<LogStreamInfo, { kind: 'group-not-found' } | { kind: 'stream-exists' }>> {
    return this.catalog.createLogStream(group, name);
  }

  deleteLogStream(group: string, name: string): Promise<Result<void, NotFound>> {
    return this.catalog.deleteLogStream(group, name);
  }

  getLogStream(group: string, name: string): Result<LogStreamInfo, NotFound> {
    return this.catalog.getLogStream(group, name);
  }

  /** The group's streams, sorted by name (ASCII). */
  listLogStreams(group: string): Result<LogStreamInfo[], { kind: 'group-not-found' }> {
    return this.catalog.listLogStreams(group);
  }

  // ------------------------------------------------------------------ subscription filters

  /** Creates or (same name) replaces a filter; a group holds at most two. */
  putSubscriptionFilter(group: string, filter: Omit<SubscriptionFilterInfo, 'logGroup' | 'creationTime'>): Promise<Result<SubscriptionFilterInfo, { kind: 'group-not-found' } | { kind: 'filter-limit'; limit: number }>> {
    return this.catalog.putSubscriptionFilter(group, filter);
  }

  deleteSubscriptionFilter(group: string, name: string): Promise<Result<void, { kind: 'group-not-found' } | { kind: 'filter-not-found' }>> {
    return this.catalog.deleteSubscriptionFilter(group, name);
  }

  /** One group's filters sorted by name, or every group's (for the forwarder) when no group is given. */
  listSubscriptionFilters(group?: string): Result<SubscriptionFilterInfo[], { kind: 'group-not-found' }> {
    return this.catalog.listSubscriptionFilters(group);
  }

  // ------------------------------------------------------------------ events

  /**
   * Appends events (in time order, validated by the caller) to a stream. Resolves once they are
   * committed durably; calls made while a commit runs share the next one. Events too old, older
   * than the group's retention or too far ahead are left out and reported. `bytes`: each message's
   * UTF-8 length when the caller has counted them (PutLogEvents does), else they are counted here.
   */
  putLogEvents(group: string, stream: string, events: readonly LogEventInput[], bytes?: Int32Array): Promise<PutResult> {
    return this.appender.putLogEvents(group, stream, events, bytes);
  }

  /** Transactions run for PutLogEvents so far (fewer than calls when commits were shared). */
  get putCommits(): number {
    return this.appender.putCommits;
  }

  /** The highest sequence number given out (0 before the first event); survives deletions and restarts. */
  lastSequence(): number {
    return this.db.lastSequence;
  }

  /**
   * Calls `listener` with the last sequence number and what the commit added after each commit
   * that added events, so a forwarder wakes up at once and counters stay exact. Returns a
   * function that removes the listener.
   */
  onAppend(listener: (lastSequence: number, appended: Appended) => void): () => void {
    return this.appender.onAppend(listener);
  }

  /** Events with a sequence number above `afterSeq`, in sequence order, optionally only from some groups. */
  readAfter(afterSeq: number, limit: number, groups?: readonly string[]): Promise<StoredEvent[]> {
    return this.reader.readAfter(afterSeq, limit, groups);
  }

  /** GetLogEvents: one stream's events in (timestamp, sequence) order, a page at a time. */
  getLogEvents(query: GetLogEventsQuery): Promise<Result<StoredEvent[], NotFound>> {
    return this.reader.getLogEvents(query);
  }

  /** FilterLogEvents: a group's events (optionally some streams) that match, in (timestamp, sequence) order. */
  filterLogEvents(query: FilterLogEventsQuery): Promise<Result<FilterLogEventsPage, { kind: 'group-not-found' }>> {
    return this.reader.filterLogEvents(query);
  }

  /**
   * Deletes events older than their group's retention, except those a receiver of the group has
   * not taken yet (above its cursor): those are held back and reported. `receivers` are the
   * destinations that count now, per group; groups without retention keep everything.
   */
  expireEvents(nowMs: number, receivers: readonly RetentionReceiver[]): Promise<RetentionOutcome> {
    return expireEvents(this.db, this.catalog, (destination) => this.destinations.cursor(destination), nowMs, receivers);
  }

  // ------------------------------------------------------------------ forwarder state

  getCursor(destination: string): Promise<number | undefined> {
    return this.destinations.getCursor(destination);
  }

  /** Records the last sequence number forwarded to a destination, durably. */
  setCursor(destination: string, seq: number): Promise<void> {
    return this.destinations.setCursor(destination, seq);
  }

  /** Stores events a destination refused for good, with the reason; returns their ids. */
  addDeadLetters(letters: readonly DeadLetterInput[]): Promise<number[]> {
    return this.destinations.addDeadLetters(letters);
  }

  /** Dead letters in id order, after the id `after` (for paging). */
  listDeadLetters(options: { limit: number; after?: number; destination?: string; ids?: readonly number[] }): Promise<DeadLetter[]> {
    return this.destinations.listDeadLetters(options);
  }

  countDeadLetters(destination?: string): Promise<number> {
    return this.destinations.countDeadLetters(destination);
  }

  /** Removes dead letters (after a replay, say); returns how many were removed. */
  removeDeadLetters(ids: readonly number[]): Promise<number> {
    return this.destinations.removeDeadLetters(ids);
  }

  // ------------------------------------------------------------------ the file

  stats(): Promise<LogStoreStats> {
    return Promise.resolve({ ...this.catalog.stats(), lastSequence: this.db.lastSequence, fileBytes: this.db.fileBytes() });
  }

  /** Writes everything to the main file (normally DuckDB does so when the log grows). */
  checkpoint(): Promise<void> {
    return this.db.write(async () => {
      await this.db.writer.run('CHECKPOINT');
    });
  }

  async close(): Promise<void> {
    if (await this.db.close()) this.appender.clearListeners();
  }
}
