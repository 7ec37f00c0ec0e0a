/**
 * @module The catalog of log groups, their streams and subscription filters: held in memory (every
 * call reads it) and written through to DuckDB in the write lane. Stream statistics are the
 * aggregate of the events held, computed at open and kept up by the event log.
 */
import { err, ok, type Result } from '../core/result.js';
import { compareText, sqlInt, type LogDatabase } from './log-database.js';
import { EVENTS, FILTERS, GROUPS, STREAMS } from './log-schema.js';
import {
  MAX_SUBSCRIPTION_FILTERS_PER_GROUP,
  type CreateLogGroupOptions,
  type Distribution,
  type LogGroupClass,
  type LogGroupInfo,
  type LogStoreStats,
  type LogStreamInfo,
  type NotFound,
  type SubscriptionFilterInfo,
} from './log-types.js';

export interface GroupState {
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

export interface StreamState {
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

export class LogCatalog {
  readonly groups = new Map<string, GroupState>();
  readonly streamsById = new Map<number, StreamState>();
  /** Groups and streams share one id space. */
  private lastId = 0;

  constructor(private readonly db: LogDatabase) {}

  async load(): Promise<void> {
    const groupsById = new Map<number, GroupState>();
    for (const [id, name, creation, retention, cls, kms, tags, protection] of await this.db.rows(`SELECT id, name, creation_time, retention_days, log_group_class, kms_key_id, tags, deletion_protection FROM ${GROUPS}`)) {
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
    for (const [id, groupId, name, creation] of await this.db.rows(`SELECT id, group_id, name, creation_time FROM ${STREAMS}`)) {
      const group = groupsById.get(Number(groupId));
      if (!group) continue;
      const stream: StreamState = { id: Number(id), group, name: String(name), creationTime: Number(creation), events: 0, bytes: 0 };
      group.streams.set(stream.name, stream);
      this.streamsById.set(stream.id, stream);
      this.lastId = Math.max(this.lastId, stream.id);
    }
    for (const [groupId, name, pattern, destination, role, distribution, creation] of await this.db.rows(`SELECT group_id, name, pattern, destination_arn, role_arn, distribution, creation_time FROM ${FILTERS}`)) {
      const group = groupsById.get(Number(groupId));
      if (!group) continue;
      const filter: SubscriptionFilterInfo = { logGroup: group.name, name: String(name), pattern: String(pattern), destinationArn: String(destination), distribution: String(distribution) as Distribution, creationTime: Number(creation) };
      if (role !== null) filter.roleArn = String(role);
      group.filters.set(filter.name, filter);
    }
    await this.loadStreamStats();
  }

  /** Recomputes stream statistics from the events held (all groups, or some after a deletion). */
  async loadStreamStats(groupIds?: number[]): Promise<void> {
    const where = groupIds ? `WHERE group_id IN (${groupIds.map(sqlInt).join(', ')})` : '';
    const result = await this.db.writer.runAndReadAll(`SELECT stream_id, count(*), sum(bytes), min(ts), max(ts), max(ingestion_time), max(seq) FROM ${EVENTS} ${where} GROUP BY stream_id`);
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
    return this.db.write(async () => {
      if (this.groups.has(name)) return err({ kind: 'group-exists' as const });
      const group: GroupState = {
        id: this.lastId + 1,
        name,
        creationTime: this.db.now(),
        logGroupClass: options.logGroupClass ?? 'STANDARD',
        tags: { ...(options.tags ?? {}) },
        deletionProtection: options.deletionProtection ?? false,
        streams: new Map(),
        filters: new Map(),
      };
      if (options.kmsKeyId !== undefined) group.kmsKeyId = options.kmsKeyId;
      await this.db.writer.run(`INSERT INTO ${GROUPS} VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)`, [
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
    return this.db.write(async () => {
      const group = this.groups.get(name);
      if (!group) return err({ kind: 'group-not-found' as const });
      await this.db.transaction(async () => {
        await this.db.saveLastSequence();
        await this.db.writer.run(`DELETE FROM ${EVENTS} WHERE group_id = $1`, [group.id]);
        await this.db.writer.run(`DELETE FROM ${STREAMS} WHERE group_id = $1`, [group.id]);
        await this.db.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1`, [group.id]);
        await this.db.writer.run(`DELETE FROM ${GROUPS} WHERE id = $1`, [group.id]);
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
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      await this.db.writer.run(`UPDATE ${GROUPS} SET retention_days = $1 WHERE id = $2`, [days ?? null, state.id]);
      if (days === undefined) delete state.retentionDays;
      else state.retentionDays = days;
      return ok(undefined);
    });
  }

  /** While on, the API refuses to delete the group or its streams. */
  setDeletionProtection(group: string, enabled: boolean): Promise<Result<void, { kind: 'group-not-found' }>> {
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      await this.db.writer.run(`UPDATE ${GROUPS} SET deletion_protection = $1 WHERE id = $2`, [enabled, state.id]);
      state.deletionProtection = enabled;
      return ok(undefined);
    });
  }

  createLogStream(group: string, name: string): Promise<Result<LogStreamInfo, { kind: 'group-not-found' } | { kind: 'stream-exists' }>> {
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      if (state.streams.has(name)) return err({ kind: 'stream-exists' as const });
      const stream: StreamState = { id: this.lastId + 1, group: state, name, creationTime: this.db.now(), events: 0, bytes: 0 };
      await this.db.writer.run(`INSERT INTO ${STREAMS} VALUES ($1, $2, $3, $4)`, [stream.id, state.id, name, BigInt(stream.creationTime)]);
      this.lastId = stream.id;
      state.streams.set(name, stream);
      this.streamsById.set(stream.id, stream);
      return ok(streamInfo(stream));
    });
  }

  deleteLogStream(group: string, name: string): Promise<Result<void, NotFound>> {
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      const stream = state.streams.get(name);
      if (!stream) return err({ kind: 'stream-not-found' as const });
      await this.db.transaction(async () => {
        await this.db.saveLastSequence();
        await this.db.writer.run(`DELETE FROM ${EVENTS} WHERE stream_id = $1`, [stream.id]);
        await this.db.writer.run(`DELETE FROM ${STREAMS} WHERE id = $1`, [stream.id]);
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
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      const existing = state.filters.get(filter.name);
      if (!existing && state.filters.size >= MAX_SUBSCRIPTION_FILTERS_PER_GROUP) return err({ kind: 'filter-limit' as const, limit: MAX_SUBSCRIPTION_FILTERS_PER_GROUP });
      const info: SubscriptionFilterInfo = { logGroup: group, name: filter.name, pattern: filter.pattern, destinationArn: filter.destinationArn, distribution: filter.distribution, creationTime: existing?.creationTime ?? this.db.now() };
      if (filter.roleArn !== undefined) info.roleArn = filter.roleArn;
      await this.db.transaction(async () => {
        await this.db.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1 AND name = $2`, [state.id, filter.name]);
        await this.db.writer.run(`INSERT INTO ${FILTERS} VALUES ($1, $2, $3, $4, $5, $6, $7)`, [state.id, info.name, info.pattern, info.destinationArn, info.roleArn ?? null, info.distribution, BigInt(info.creationTime)]);
      });
      state.filters.set(info.name, info);
      return ok({ ...info });
    });
  }

  deleteSubscriptionFilter(group: string, name: string): Promise<Result<void, { kind: 'group-not-found' } | { kind: 'filter-not-found' }>> {
    return this.db.write(async () => {
      const state = this.groups.get(group);
      if (!state) return err({ kind: 'group-not-found' as const });
      if (!state.filters.has(name)) return err({ kind: 'filter-not-found' as const });
      await this.db.writer.run(`DELETE FROM ${FILTERS} WHERE group_id = $1 AND name = $2`, [state.id, name]);
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

  // ------------------------------------------------------------------ statistics

  stats(): Omit<LogStoreStats, 'lastSequence' | 'fileBytes'> {
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
    return { groups: this.groups.size, streams: this.streamsById.size, events, storedBytes, streamsDetail };
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
