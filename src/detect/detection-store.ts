/**
 * @module The detections' durable store: one table in its own DuckDB file (`<data>/detections.duckdb`),
 * as the audit store keeps its own. A detection's id is its primary key, so a detection the engine
 * makes again after a restart (same rule, group and window) is `exists`, never a second row.
 * Listing is newest first (createdAt, then id) with a keyset cursor; every filter is a bound
 * parameter, every stored string is data.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Detection, DetectionPage, DetectionQuery, DetectionStatus, DetectionStore, PutDetectionOutcome } from '../core/detection.js';
import { SerialQueue } from '../storage/duckdb-support.js';

const TABLE = 'detections';
const STATUSES: readonly DetectionStatus[] = ['open', 'acknowledged', 'closed'];
/** A page is at most this long, whatever the caller asks. */
export const MAX_DETECTION_PAGE = 1000;

export interface DetectionStoreOptions {
  /** The DuckDB file, or `:memory:`. */
  path: string;
  now?: () => number;
}

/** Why a query was refused: a cursor that is not one of ours, a bound that is not a date. */
export class DetectionQueryError extends Error {
  readonly code = 'InvalidDetectionQuery';
}

interface Cursor {
  createdMs: number;
  id: string;
}

export class DuckDbDetectionStore implements DetectionStore {
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: DetectionStoreOptions,
  ) {}

  static async open(options: DetectionStoreOptions): Promise<DuckDbDetectionStore> {
    const instance = await DuckDBInstance.create(options.path, { threads: '1', memory_limit: '64MB' });
    const connection = await instance.connect();
    try {
      await connection.run(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (id VARCHAR PRIMARY KEY, created_ms BIGINT NOT NULL, rule_id VARCHAR NOT NULL, status VARCHAR NOT NULL, search_text VARCHAR NOT NULL, body VARCHAR NOT NULL)`,
      );
      return new DuckDbDetectionStore(instance, connection, options);
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  put(detection: Detection): Promise<PutDetectionOutcome> {
    return this.queue.run(async () => {
      this.assertOpen();
      const rows = (
        await this.connection.runAndReadAll(`INSERT INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`, [
          detection.id,
          BigInt(timeMs(detection.createdAt)),
          detection.rule.id,
          detection.status,
          searchText(detection),
          JSON.stringify(detection),
        ])
      ).getRows();
      return rows.length > 0 ? 'created' : 'exists';
    });
  }

  get(id: string): Promise<Detection | undefined> {
    return this.queue.run(async () => {
      this.assertOpen();
      const rows = (await this.connection.runAndReadAll(`SELECT body FROM ${TABLE} WHERE id = $1`, [id])).getRows();
      return rows.length === 0 ? undefined : (JSON.parse(String(rows[0]?.[0])) as Detection);
    });
  }

  async list(query: DetectionQuery): Promise<DetectionPage> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const param = (value: DuckDBValue): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status && query.status.length > 0) {
      const wanted = query.status.filter((s) => STATUSES.includes(s));
      where.push(wanted.length === 0 ? 'FALSE' : `status IN (${wanted.map((s) => param(s)).join(', ')})`);
    }
    if (query.ruleId !== undefined) where.push(`rule_id = ${param(query.ruleId)}`);
    if (query.text !== undefined && query.text !== '') where.push(`contains(search_text, ${param(query.text.toLowerCase())})`);
    if (query.from !== undefined) where.push(`created_ms >= ${param(BigInt(boundMs(query.from, 'from')))}`);
    if (query.to !== undefined) where.push(`created_ms <= ${param(BigInt(boundMs(query.to, 'to')))}`);
    const counted = [...where];
    const countParams = [...params];
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      const t = param(BigInt(cursor.createdMs));
      where.push(`(created_ms < ${t} OR (created_ms = ${t} AND id < ${param(cursor.id)}))`);
    }
    const limit = Math.max(1, Math.min(Math.floor(query.limit) || 1, MAX_DETECTION_PAGE));
    const clause = (parts: string[]): string => (parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '');
    return this.queue.run(async () => {
      this.assertOpen();
      const rows = (await this.connection.runAndReadAll(`SELECT body, created_ms, id FROM ${TABLE}${clause(where)} ORDER BY created_ms DESC, id DESC LIMIT ${limit + 1}`, params)).getRows();
      const total = Number((await this.connection.runAndReadAll(`SELECT count(*) FROM ${TABLE}${clause(counted)}`, countParams)).getRows()[0]?.[0] ?? 0);
      const page = rows.slice(0, limit);
      const detections = page.map((r) => JSON.parse(String(r[0])) as Detection);
      const last = page[page.length - 1];
      return rows.length > limit && last ? { detections, total, next: encodeCursor({ createdMs: Number(last[1]), id: String(last[2]) }) } : { detections, total };
    });
  }

  async setStatus(id: string, status: DetectionStatus, actor: string): Promise<Detection | undefined> {
    if (!STATUSES.includes(status)) throw new DetectionQueryError(`Unknown status ${String(status)}: use open, acknowledged or closed.`);
    return this.queue.run(async () => {
      this.assertOpen();
      const rows = (await this.connection.runAndReadAll(`SELECT body FROM ${TABLE} WHERE id = $1`, [id])).getRows();
      if (rows.length === 0) return undefined;
      const detection = JSON.parse(String(rows[0]?.[0])) as Detection;
      const updated: Detection = { ...detection, status, statusBy: actor, statusAt: new Date((this.options.now ?? Date.now)()).toISOString() };
      await this.connection.run(`UPDATE ${TABLE} SET status = $1, body = $2 WHERE id = $3`, [status, JSON.stringify(updated), id]);
      return updated;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(async () => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The detection store is closed.');
  }
}

/** What `text` searches: rule name and id, group values, hosts, evidence text; lower-case. */
function searchText(d: Detection): string {
  return [d.rule.name, d.rule.id, ...d.group.flatMap((g) => [g.field, g.value]), ...d.hosts, ...d.evidence.map((e) => e.text)].join('\n').toLowerCase();
}

function timeMs(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : 0;
}

function boundMs(iso: string, name: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new DetectionQueryError(`${name} is not an ISO 8601 time: ${JSON.stringify(iso.slice(0, 64))}.`);
  return ms;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdMs, c.id]), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { createdMs: value[0] as number, id: value[1] };
  } catch {
    // Reported below, as any other text that is not a cursor.
  }
  throw new DetectionQueryError('cursor is not the next of a previous page.');
}
