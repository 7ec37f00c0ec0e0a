/**
 * @module The audit log's durable store: an append-only table in its own DuckDB file
 * (`<data>/audit.duckdb`), apart from the durable log so that a log group deletion, a busy
 * PutLogEvents commit queue or a damaged log file cannot take the trail with it. `record()` never
 * blocks nor throws: entries wait in a bounded buffer and are committed by group commit, one
 * transaction (one WAL sync) per batch; a full buffer drops and counts. Search is SQL with
 * parameters only; every recorded string is data.
 *
 * Durability window: an entry is on disk once the commit that takes it returns; `record()` starts
 * one at once when none runs, so an entry waits at most for the commit in flight plus its own
 * (milliseconds; `flushed()` resolves then). Entries recorded within that window before a kill -9
 * can be lost; none acknowledged by `flushed()` are.
 */
import { BIGINT, DuckDBDataChunk, DuckDBInstance, VARCHAR, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { AuditEntry, AuditOutcome, AuditRecorder } from '../core/audit.js';
import type { Principal, QueryRole } from '../core/principal.js';
import { inTransaction, SerialQueue } from '../storage/duckdb-support.js';
import { globToLike, type AuditCursor, type AuditQuery, type StoredAuditEntry } from './audit-query.js';

const ENTRIES = 'audit_entries';
const META = 'audit_meta';
const COLUMNS = ['id', 'time_ms', 'actor_kind', 'actor_id', 'actor_arn', 'actor_role', 'actor_token_id', 'source_ip', 'action', 'resource', 'outcome', 'message', 'detail', 'request_id'] as const;
const TYPES: DuckDBType[] = [BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR];
const CHUNK_ROWS = 2048;
/** Entries per commit: the appender runs on this thread, so a larger batch would stall the event loop (a flood makes more commits, not longer ones). */
const MAX_BATCH = 256;

/** Caps on what one entry stores (characters): an attacker choosing a 1 MB log group name must not make the trail 1 MB per request. */
export const AUDIT_FIELD_LIMITS = { short: 256, resource: 2048, message: 2048, detail: 8192 } as const;

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
/** Entries waiting for their commit; past this, `record()` drops and counts. */
export const DEFAULT_AUDIT_BUFFER = 10_000;

export type AuditDropReason = 'buffer_full' | 'closed' | 'write_failed';

export interface AuditStoreOptions {
  /** The DuckDB file, or `:memory:`. */
  path: string;
  now?: () => number;
  /** Entries older than this are deleted by `expire()` (default 90; 0 keeps everything). */
  retentionDays?: number;
  maxBuffered?: number;
  /** Told of entries that will never be stored, with why (the server counts them and logs at error). */
  onDropped?: (count: number, reason: AuditDropReason, error?: unknown) => void;
  /** Told of a commit that failed; its entries are kept and retried. */
  onWriteError?: (error: unknown, pending: number) => void;
  /** Opens the file for searching only (the CLI, while no server holds it). */
  readOnly?: boolean;
  /** Delay before retrying a failed commit (default 1 s). */
  retryDelayMs?: number;
}

export interface AuditPage {
  entries: StoredAuditEntry[];
  /** For the next (older) page; absent on the last. */
  nextCursor?: AuditCursor;
}

export class AuditStore implements AuditRecorder {
  private buffer: Array<{ id: number; entry: AuditEntry }> = [];
  private nextId: number;
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private waiters: Array<{ id: number; resolve: () => void }> = [];
  private durableId: number;
  private closed = false;
  private readonly writes = new SerialQueue();
  private readonly reads = new SerialQueue();
  private droppedCount = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly options: AuditStoreOptions,
    lastId: number,
  ) {
    this.nextId = lastId + 1;
    this.durableId = lastId;
  }

  static async open(options: AuditStoreOptions): Promise<AuditStore> {
    const config: Record<string, string> = { threads: '1', memory_limit: '64MB' };
    if (options.readOnly) config['access_mode'] = 'READ_ONLY';
    const instance = await DuckDBInstance.create(options.path, config);
    const writer = await instance.connect();
    try {
      if (!options.readOnly) {
        await writer.run(`CREATE TABLE IF NOT EXISTS ${META} (name VARCHAR, value BIGINT)`);
        await writer.run(`CREATE TABLE IF NOT EXISTS ${ENTRIES} (id BIGINT, time_ms BIGINT, actor_kind VARCHAR, actor_id VARCHAR, actor_arn VARCHAR, actor_role VARCHAR, actor_token_id VARCHAR, source_ip VARCHAR, action VARCHAR, resource VARCHAR, outcome VARCHAR, message VARCHAR, detail VARCHAR, request_id VARCHAR)`);
      }
      const rows = (await writer.runAndReadAll(`SELECT greatest((SELECT max(id) FROM ${ENTRIES}), (SELECT max(value) FROM ${META} WHERE name = 'last_id'))`)).getRows();
      const reader = await instance.connect();
      return new AuditStore(instance, writer, reader, options, Number(rows[0]?.[0] ?? 0));
    } catch (e) {
      writer.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** Entries dropped since open (buffer full, store closed, or a commit that failed for good). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Entries waiting for their commit. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Takes an entry for the next commit; never throws, never waits. */
  record(entry: AuditEntry): void {
    try {
      if (this.closed || this.options.readOnly) return this.drop(1, 'closed');
      if (this.buffer.length >= (this.options.maxBuffered ?? DEFAULT_AUDIT_BUFFER)) return this.drop(1, 'buffer_full');
      this.buffer.push({ id: this.nextId++, entry });
      this.scheduleFlush();
    } catch (e) {
      this.drop(1, 'write_failed', e);
    }
  }

  /** Resolves once every entry recorded before this call is on disk (or was dropped). */
  flushed(): Promise<void> {
    const last = this.nextId - 1;
    if (this.durableId >= last || (this.buffer.length === 0 && !this.flushing)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ id: last, resolve }));
  }

  /** Newest first (or, with `afterId`, oldest first after that id), filtered, one page. */
  search(query: AuditQuery): Promise<AuditPage> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const param = (value: DuckDBValue): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.fromMs !== undefined) where.push(`time_ms >= ${param(BigInt(Math.floor(query.fromMs)))}`);
    if (query.toMs !== undefined) where.push(`time_ms <= ${param(BigInt(Math.floor(query.toMs)))}`);
    if (query.actors.length) where.push(`(${query.actors.map((a) => { const p = param(a); return `actor_id = ${p} OR actor_token_id = ${p}`; }).join(' OR ')})`);
    if (query.actions.length) where.push(`(${query.actions.map((a) => `action LIKE ${param(globToLike(a, 'prefix'))} ESCAPE '\\'`).join(' OR ')})`);
    if (query.resources.length) where.push(`(${query.resources.map((r) => `resource LIKE ${param(globToLike(r, 'exact'))} ESCAPE '\\'`).join(' OR ')})`);
    if (query.outcomes.length) where.push(`outcome IN (${query.outcomes.map((o) => param(o)).join(', ')})`);
    if (query.text !== undefined) {
      const p = param(query.text.toLowerCase());
      where.push(`(${['message', 'action', 'resource', 'actor_id', 'actor_arn', 'source_ip', 'detail', 'request_id'].map((c) => `contains(lower(coalesce(${c}, '')), ${p})`).join(' OR ')})`);
    }
    const ascending = query.afterId !== undefined;
    if (query.afterId !== undefined) where.push(`id > ${param(BigInt(query.afterId))}`);
    if (query.before) {
      const t = param(BigInt(query.before.timeMs));
      where.push(`(time_ms < ${t} OR (time_ms = ${t} AND id < ${param(BigInt(query.before.id))}))`);
    }
    const limit = Math.max(1, Math.min(query.limit, 10_000));
    const sql = `SELECT ${COLUMNS.join(', ')} FROM ${ENTRIES}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${ascending ? 'id ASC' : 'time_ms DESC, id DESC'} LIMIT ${limit + 1}`;
    return this.reads.run(async () => {
      this.assertOpen();
      const rows = (await this.reader.runAndReadAll(sql, params)).getRows();
      const entries = rows.slice(0, limit).map(entryFromRow);
      const last = entries[entries.length - 1];
      return rows.length > limit && last && !ascending ? { entries, nextCursor: { timeMs: last.timeMs, id: last.id } } : { entries };
    });
  }

  /** Deletes entries past retention; returns how many. The id high-water mark is kept, so ids are never reused. */
  expire(nowMs = (this.options.now ?? Date.now)()): Promise<number> {
    const days = this.options.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    if (days <= 0 || this.options.readOnly) return Promise.resolve(0);
    return this.writes.run(async () => {
      this.assertOpen();
      const cutoff = BigInt(Math.floor(nowMs - days * 86_400_000));
      const counted = (await this.writer.runAndReadAll(`SELECT count(*) FROM ${ENTRIES} WHERE time_ms < $1`, [cutoff])).getRows();
      const n = Number(counted[0]?.[0] ?? 0);
      if (n === 0) return 0;
      await this.transaction(async () => {
        await this.writer.run(`DELETE FROM ${META} WHERE name = 'last_id'`);
        await this.writer.run(`INSERT INTO ${META} VALUES ('last_id', $1)`, [BigInt(this.durableId)]);
        await this.writer.run(`DELETE FROM ${ENTRIES} WHERE time_ms < $1`, [cutoff]);
      });
      return n;
    });
  }

  /** Commits what is buffered, then closes; entries recorded later are dropped and counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // One last attempt for what waits, even after a failed commit.
    while (this.flushing) await this.flushing;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.buffer.length > 0 && !this.options.readOnly) await this.startFlush();
    this.closed = true;
    if (this.buffer.length > 0) this.drop(this.buffer.splice(0).length, 'closed');
    this.releaseWaiters(Number.MAX_SAFE_INTEGER);
    await this.writes.run(async () => undefined);
    await this.reads.run(async () => undefined);
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private drop(count: number, reason: AuditDropReason, error?: unknown): void {
    this.droppedCount += count;
    try {
      this.options.onDropped?.(count, reason, error);
    } catch {
      // A failing observer must not fail the request being recorded.
    }
  }

  private scheduleFlush(): void {
    if (this.flushing || this.retryTimer) return;
    void this.startFlush();
  }

  /** One commit of everything buffered now; what arrives meanwhile goes in the next one. */
  private startFlush(): Promise<void> {
    const run = this.writes.run(async () => {
      const batch = this.buffer.splice(0, MAX_BATCH);
      if (batch.length === 0) return;
      try {
        this.assertOpen();
        await this.insert(batch);
        this.durableId = batch[batch.length - 1]!.id;
        this.releaseWaiters(this.durableId);
      } catch (e) {
        // Kept for a retry, oldest first; what does not fit the buffer any more is dropped.
        const max = this.options.maxBuffered ?? DEFAULT_AUDIT_BUFFER;
        const merged = [...batch, ...this.buffer];
        const over = Math.max(0, merged.length - max);
        this.buffer = merged.slice(over);
        if (over > 0) this.drop(over, 'buffer_full', e);
        try {
          this.options.onWriteError?.(e, this.buffer.length);
        } catch {
          // as in drop()
        }
        if (!this.closed) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.scheduleFlush();
          }, this.options.retryDelayMs ?? 1000);
          this.retryTimer.unref();
        }
      }
    });
    const flushing = run.finally(() => {
      if (this.flushing === flushing) this.flushing = undefined;
      if (this.buffer.length > 0 && !this.closed) this.scheduleFlush();
      else if (this.buffer.length === 0) this.releaseWaiters(this.nextId - 1);
    });
    this.flushing = flushing;
    return flushing;
  }

  private releaseWaiters(upTo: number): void {
    const ready = this.waiters.filter((w) => w.id <= upTo);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.id > upTo);
    for (const w of ready) w.resolve();
  }

  private async insert(batch: ReadonlyArray<{ id: number; entry: AuditEntry }>): Promise<void> {
    const columns: DuckDBValue[][] = TYPES.map(() => []);
    for (const { id, entry } of batch) rowOf(id, entry).forEach((v, c) => (columns[c] as DuckDBValue[]).push(v));
    await this.transaction(async () => {
      const appender = await this.writer.createAppender(ENTRIES);
      try {
        for (let offset = 0; offset < batch.length; offset += CHUNK_ROWS) {
          const rows = Math.min(CHUNK_ROWS, batch.length - offset);
          const chunk = DuckDBDataChunk.create(TYPES, rows);
          chunk.setColumns(columns.map((c) => c.slice(offset, offset + rows)));
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  private transaction(work: () => Promise<void>): Promise<void> {
    return inTransaction(this.writer, work);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The audit store is closed.');
  }
}

/** A string cut to `max` characters (whole code points), or null. */
function capped(value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value);
  if (text.length <= max) return text;
  return `${Array.from(text.slice(0, max)).slice(0, -1).join('')}…`;
}

function detailText(detail: Record<string, unknown> | undefined): string | null {
  if (!detail) return null;
  let text: string;
  try {
    text = JSON.stringify(detail, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return JSON.stringify({ unserializable: true });
  }
  // Cut JSON stays JSON: an over-long detail keeps its first part as one string.
  return text.length <= AUDIT_FIELD_LIMITS.detail ? text : JSON.stringify({ truncated: text.slice(0, AUDIT_FIELD_LIMITS.detail - 64) });
}

function rowOf(id: number, e: AuditEntry): DuckDBValue[] {
  const a: Principal = e.actor;
  const time = Number.isFinite(e.timeMs) ? Math.floor(e.timeMs) : Date.now();
  return [
    BigInt(id),
    BigInt(time),
    a.kind,
    capped(a.id, AUDIT_FIELD_LIMITS.short) ?? '-',
    a.kind === 'access-key' ? capped(a.arn, AUDIT_FIELD_LIMITS.resource) : null,
    a.kind === 'api-token' || a.kind === 'session' ? a.role : null,
    a.kind === 'session' ? capped(a.tokenId, AUDIT_FIELD_LIMITS.short) : null,
    capped(e.sourceIp, AUDIT_FIELD_LIMITS.short),
    capped(e.action, AUDIT_FIELD_LIMITS.short) ?? '',
    capped(e.resource, AUDIT_FIELD_LIMITS.resource),
    e.outcome,
    capped(e.message, AUDIT_FIELD_LIMITS.message),
    detailText(e.detail),
    capped(e.requestId, AUDIT_FIELD_LIMITS.short),
  ];
}

function entryFromRow(row: DuckDBValue[]): StoredAuditEntry {
  const [id, time, kind, actorId, arn, role, tokenId, ip, action, resource, outcome, message, detail, requestId] = row as [bigint, bigint, string, string, string | null, string | null, string | null, string | null, string, string | null, string, string | null, string | null, string | null];
  let actor: Principal;
  if (kind === 'access-key') actor = { kind, id: actorId, arn: arn ?? '' };
  else if (kind === 'api-token') actor = { kind, id: actorId, role: (role ?? 'viewer') as QueryRole };
  else if (kind === 'session') actor = { kind, id: actorId, tokenId: tokenId ?? '', role: (role ?? 'viewer') as QueryRole };
  else if (kind === 'system') actor = { kind, id: 'hidsmon' };
  else actor = { kind: 'anonymous', id: '-' };
  const entry: StoredAuditEntry = { id: Number(id), timeMs: Number(time), actor, action, outcome: outcome as AuditOutcome };
  if (ip !== null) entry.sourceIp = ip;
  if (resource !== null) entry.resource = resource;
  if (message !== null) entry.message = message;
  if (requestId !== null) entry.requestId = requestId;
  if (detail !== null) {
    try {
      const parsed: unknown = JSON.parse(detail);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) entry.detail = parsed as Record<string, unknown>;
    } catch {
      entry.detail = { text: detail };
    }
  }
  return entry;
}
