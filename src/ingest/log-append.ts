/**
 * @module Appending to the event log: PutLogEvents calls that arrive during a commit share the next
 * one (group commit), each event gets the next global sequence number, and listeners hear of every
 * commit that added events.
 */
import { BIGINT, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { err, ok, type Result } from '../core/result.js';
import { classifyLogEvents } from './classify-log-events.js';
import { GroupCommit } from './group-commit.js';
import type { LogCatalog, StreamState } from './log-catalog.js';
import { CHUNK_ROWS, type LogDatabase } from './log-database.js';
import { EVENTS } from './log-schema.js';
import type { Appended, LogEventInput, NotFound, PutLogEventsResult } from './log-types.js';

interface PutRequest {
  group: string;
  stream: string;
  events: readonly LogEventInput[];
  bytes: Int32Array;
}

export type PutResult = Result<PutLogEventsResult, NotFound | { kind: 'span-too-long' }>;

const EVENT_TYPES: DuckDBType[] = [BIGINT, INTEGER, INTEGER, BIGINT, BIGINT, INTEGER, VARCHAR];

export class LogAppender {
  private readonly listeners = new Set<(lastSequence: number, appended: Appended) => void>();
  private readonly puts: GroupCommit<PutRequest, PutResult>;

  constructor(
    private readonly db: LogDatabase,
    private readonly catalog: LogCatalog,
  ) {
    this.puts = new GroupCommit(db.writes, (requests) => this.commitPuts(requests));
  }

  /**
   * Appends events (in time order, validated by the caller) to a stream. Resolves once they are
   * committed durably; calls made while a commit runs share the next one. Events too old, older
   * than the group's retention or too far ahead are left out and reported.
   */
  putLogEvents(group: string, stream: string, events: readonly LogEventInput[], knownBytes?: Int32Array): Promise<PutResult> {
    try {
      this.db.assertOpen();
      // Byte counts now, outside the writer lane: the next batch's JavaScript work overlaps this commit.
      // PutLogEvents has counted them already (`knownBytes`, each message's UTF-8 length).
      let bytes = knownBytes;
      if (bytes?.length !== events.length) {
        bytes = new Int32Array(events.length);
        for (let i = 0; i < events.length; i++) bytes[i] = Buffer.byteLength((events[i] as LogEventInput).message, 'utf8');
      }
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
    this.db.assertOpen();
    const now = this.db.now();
    const results: PutResult[] = [];
    const columns: DuckDBValue[][] = EVENT_TYPES.map(() => []);
    const [seqs, groupIds, streamIds, times, ingestion, sizes, messages] = columns as [DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[]];
    const updates: Array<{ stream: StreamState; first: number; last: number; lastSeq: number; count: number; bytes: number }> = [];
    const nowBig = BigInt(now);
    let seq = this.db.lastSequence;
    for (const request of requests) {
      const group = this.catalog.groups.get(request.group);
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
    await this.db.transaction(async () => {
      const appender = await this.db.writer.createAppender(EVENTS);
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
    this.db.lastSequence = seq;
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
    return this.db.lastSequence;
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
        listener(this.db.lastSequence, appended);
      } catch (e) {
        // A listener's bug must not fail the commit its callers are waiting for; surface it instead.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Drops every listener (the store is closing). */
  clearListeners(): void {
    this.listeners.clear();
  }
}
