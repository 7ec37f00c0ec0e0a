/**
 * @module Reading the event log on the reader lane: in sequence order for the forwarder
 * (`readAfter`), and in (timestamp, sequence) order for GetLogEvents and FilterLogEvents.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { cloudWatchEventId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import type { LogCatalog } from './log-catalog.js';
import { sqlInt, type LogDatabase } from './log-database.js';
import { EVENTS } from './log-schema.js';
import { EVENT_OVERHEAD_BYTES, type FilterLogEventsPage, type FilterLogEventsQuery, type GetLogEventsQuery, type NotFound, type StoredEvent } from './log-types.js';

/** Rows FilterLogEvents reads per query before matching them in JavaScript: the first query, and the most. */
const FILTER_FIRST_PAGE_ROWS = 1000;
const FILTER_MAX_PAGE_ROWS = 16_000;

export class LogReader {
  constructor(
    private readonly db: LogDatabase,
    private readonly catalog: LogCatalog,
  ) {}

  /** Events with a sequence number above `afterSeq`, in sequence order, optionally only from some groups. */
  readAfter(afterSeq: number, limit: number, groups?: readonly string[]): Promise<StoredEvent[]> {
    return this.db.read(async () => {
      const end = this.db.lastSequence;
      if (limit <= 0 || afterSeq >= end) return [];
      let groupFilter = '';
      if (groups) {
        const ids = groups.map((g) => this.catalog.groups.get(g)?.id).filter((id): id is number => id !== undefined);
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
        const rows = await this.db.reader.runAndReadAll(
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
    return this.db.read(async () => {
      const group = this.catalog.groups.get(query.logGroup);
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
      const rows = await this.db.reader.runAndReadAll(
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
    return this.db.read(async () => {
      const group = this.catalog.groups.get(query.logGroup);
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
      // Inclusive, unlike GetLogEvents': AWS leaves out only the events later than endTime.
      if (query.endTime !== undefined) where.push(`ts <= ${add(BigInt(query.endTime))}`);
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
          await this.db.reader.runAndReadAll(
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
    const stream = this.catalog.streamsById.get(Number(streamId));
    if (!stream) return undefined;
    const sequence = Number(seq);
    const timestamp = Number(ts);
    return { sequence, eventId: cloudWatchEventId(timestamp, sequence), logGroup: stream.group.name, logStream: stream.name, timestamp, ingestionTime: Number(ingestion), message: String(message) };
  }
}
