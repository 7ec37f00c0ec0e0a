/**
 * The OpenSearch sink against the real OpenSearch 2.19 node (each suite under a prefix of its own,
 * removed at the end): the sink contract, duplicate delivery, mapping rejections, an outage behind
 * a TCP proxy with the real forwarder, and bodies cut under maxBulkBytes.
 */
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sinkContractSuite, type ContractSink } from '../../../test/contracts/sink.case.js';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { Forwarder, type DeadLetter, type ForwarderSource, type LogRecord, type Subscription } from '../../forwarder/forwarder.js';
import type { WriteResult } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { openSearchClient, physicalDailyIndex } from './connection.js';
import { indexTemplateName, TOTAL_FIELDS_LIMIT } from './index-template.js';
import { deleteDailyIndex, deleteIndicesOlderThan, listDailyIndices } from './retention.js';
import { OpenSearchBackend } from './search-backend.js';
import { OpenSearchSink, type OpenSearchSinkOptions } from './sink.js';

const DAY = Date.UTC(2024, 2, 2, 12);
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 3 };

let url: string;
let admin: Client;
const prefixes: string[] = [];

beforeAll(async () => {
  url = await sharedOpenSearch();
  admin = openSearchClient({ url });
});
afterAll(async () => {
  for (const prefix of prefixes) {
    await admin.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await admin.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
  }
  await admin?.close();
});

function newPrefix(): string {
  const prefix = testIndexPrefix();
  prefixes.push(prefix);
  return prefix;
}

function openSink(prefix: string, options: Partial<OpenSearchSinkOptions> = {}): Promise<OpenSearchSink> {
  return OpenSearchSink.open({ url, indexPrefix: prefix, refresh: true, retryPolicy: FAST_RETRY, ...options });
}

/** The sink paired with the OpenSearch search backend on the same prefix: the sink contract reads back through it. */
async function contractSink(prefix: string): Promise<ContractSink> {
  const sink = await openSink(prefix);
  const backend = await OpenSearchBackend.open({ url, indexPrefix: prefix });
  return {
    write: (docs) => sink.write(docs),
    search: (request) => backend.search(request),
    document: (index, id) => backend.document(index, id),
    fields: () => backend.fields(),
    indices: () => backend.indices(),
    deleteIndex: (name) => backend.deleteIndex(name),
    deleteOlderThan: (days, nowMs) => backend.deleteOlderThan(days, nowMs),
    close: async () => {
      await sink.close();
      await backend.close();
    },
  };
}

sinkContractSuite('OpenSearch 2.19 (_bulk create)', () => contractSink(newPrefix()));

function alertLine(n: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ rule: { level: 5, sidid: 5715, comment: 'sshd: authentication success.' }, id: `1709380800.${1000 + n}`, TimeStamp: DAY - 3_600_000 + n, full_log: `Accepted password for user${n} from 10.0.0.${n % 250} port 22 ssh2`, hostname: 'web-1', ...extra });
}

function delivery(message: string, eventSeq: number, eventTimeMs = DAY): IndexedDocument {
  return documentFromLogEvent({ eventId: cloudWatchEventId(eventTimeMs, eventSeq), timestampMs: eventTimeMs, message, owner: '123456789012', logGroup: 'hids-alerts', logStream: 'i-0sink' });
}

function summary(result: WriteResult): Extract<WriteResult, { kind: 'ok' }> {
  if (result.kind !== 'ok') throw result.error;
  return result;
}

async function count(prefix: string, query: Record<string, unknown> = { match_all: {} }): Promise<number> {
  await admin.indices.refresh({ index: `${prefix}*`, allow_no_indices: true });
  return (await admin.count({ index: `${prefix}*`, body: { query } })).body.count;
}

describe('OpenSearchSink on a real node', () => {
  let sink: OpenSearchSink | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await sink?.close();
    await proxy?.close();
    sink = undefined;
    proxy = undefined;
  });

  it('indexes a re-delivered batch once, however it is split, and counts the duplicates', async () => {
    const prefix = newPrefix();
    sink = await openSink(prefix);
    const lines = Array.from({ length: 60 }, (_, n) => alertLine(n));
    const first = summary(await sink.write(lines.map((l, n) => delivery(l, n))));
    expect(first).toMatchObject({ written: 60, duplicates: 0, rejected: 0 });
    // The same batch again, with new event ids and a later delivery time.
    const again = summary(await sink.write(lines.map((l, n) => delivery(l, 1000 + n, DAY + 7_200_000))));
    expect(again).toMatchObject({ written: 0, duplicates: 60, rejected: 0 });
    // Re-delivered split differently, overlapping, with ten new alerts in the middle batch.
    const more = Array.from({ length: 10 }, (_, n) => alertLine(100 + n));
    const parts = [lines.slice(0, 25), [...lines.slice(20, 45), ...more], lines.slice(40)];
    const results = [];
    for (const [p, part] of parts.entries()) results.push(summary(await sink.write(part.map((l, n) => delivery(l, 2000 + p * 100 + n)))));
    expect(results.map((r) => [r.written, r.duplicates])).toEqual([[0, 25], [10, 25], [0, 20]]);
    expect(await count(prefix)).toBe(70);
  });

  it('rejects documents the mapping refuses, with the reason, and indexes the rest of the batch', async () => {
    const prefix = newPrefix();
    sink = await openSink(prefix);
    const manyFields = Object.fromEntries(Array.from({ length: TOTAL_FIELDS_LIMIT + 50 }, (_, i) => [`f${i}`, i]));
    const docs = [
      delivery(alertLine(1), 1),
      delivery(alertLine(2, { '': 'a field without a name' }), 2),
      delivery(alertLine(3), 3),
      delivery(alertLine(4, { wazuh: manyFields }), 4), // over index.mapping.total_fields.limit
      delivery(alertLine(5), 5),
    ];
    const result = summary(await sink.write(docs));
    expect(result.outcomes.map((o) => o.kind)).toEqual(['indexed', 'rejected', 'indexed', 'rejected', 'indexed']);
    const reasons = result.outcomes.map((o) => (o.kind === 'rejected' ? o.reason : ''));
    expect(reasons[1]).toMatch(/^mapper_parsing_exception: .*empty/i);
    expect(reasons[3]).toMatch(new RegExp(`Limit of total fields \\[${TOTAL_FIELDS_LIMIT}\\]`));
    expect(await count(prefix)).toBe(3);
  });

  it('loses nothing through an outage mid-stream: the forwarder retries, every alert is indexed once, a rejected one is dead-lettered', async () => {
    const prefix = newPrefix();
    proxy = await TcpProxy.start(url);
    sink = await openSink(prefix, { url: proxy.url, maxBulkBytes: 16 * 1024, requestTimeoutMs: 5_000 });
    const log = new MemoryLog();
    log.subs.push({ logGroup: 'hids-alerts', destination: 'opensearch', matches: () => true });
    const forwarder = new Forwarder({ source: log, sinks: new Map([['opensearch', sink]]), owner: '123456789012', batchSize: 200, retry: { initialDelayMs: 50, maxDelayMs: 300 } });
    await forwarder.start();
    try {
      const total = 3000;
      for (let n = 0; n < total; n += 100) {
        log.append(Array.from({ length: 100 }, (_, k) => (n + k === 1234 ? alertLine(n + k, { '': 'refused' }) : alertLine(n + k))));
        if (n === 1000) await proxy.cut();
        if (n === 2000) {
          // Down for a while: writes fail, the forwarder waits and retries.
          await new Promise((r) => setTimeout(r, 1500));
          expect((await forwarder.lag())[0]?.status).toBe('sink_unavailable');
          await proxy.restore();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await forwarder.drained(60_000)).toBe(true);
      expect(await count(prefix)).toBe(total - 1);
      // Each alert once: as many distinct alert ids as documents.
      const distinct = await admin.search({ index: `${prefix}*`, body: { size: 0, aggs: { ids: { cardinality: { field: 'id', precision_threshold: 40000 } } } } } as never);
      expect((distinct.body.aggregations as any).ids.value).toBe(total - 1);
      expect(log.dead.map((d) => [d.record.seq, d.destination])).toEqual([[1235, 'opensearch']]);
      expect(log.dead[0]?.reason).toMatch(/mapper_parsing_exception/);
    } finally {
      await forwarder.stop();
    }
  }, 120_000);

  it('cuts bodies under maxBulkBytes, sends a larger document alone, and never sends chunked', async () => {
    const prefix = newPrefix();
    proxy = await TcpProxy.start(url);
    const maxBulkBytes = 20_000;
    sink = await openSink(prefix, { url: proxy.url, maxBulkBytes });
    const docs = Array.from({ length: 100 }, (_, n) => delivery(alertLine(n), n));
    const big = delivery(alertLine(500, { full_log: 'y'.repeat(50_000) }), 500);
    const result = summary(await sink.write([...docs.slice(0, 50), big, ...docs.slice(50)]));
    expect(result.written).toBe(101);
    const bulks = proxy.seen('/_bulk');
    const bytes = docs.reduce((sum, d) => sum + Buffer.byteLength(`${JSON.stringify({ create: { _index: physicalDailyIndex(prefix, d.index), _id: d.id } })}\n${JSON.stringify(d.document)}\n`), 0);
    expect(bulks.some((b) => b.chunked)).toBe(false);
    const sizes = bulks.map((b) => b.contentLength as number);
    expect(sizes.filter((s) => s > maxBulkBytes)).toHaveLength(1); // the big one, alone
    // full_log twice (in the alert and in @message) and the rest of the alert.
    expect(sizes.filter((s) => s > maxBulkBytes)[0]).toBeGreaterThan(100_000);
    expect(sizes.filter((s) => s > maxBulkBytes)[0]).toBeLessThan(100_000 + 2_000);
    expect(bulks.length).toBeGreaterThanOrEqual(Math.ceil(bytes / maxBulkBytes) + 1);
    expect(bulks.length).toBeLessThanOrEqual(Math.ceil(bytes / maxBulkBytes) + 3);
    expect(await count(prefix)).toBe(101);
  });
});

describe('retention on a real node', () => {
  it('deletes exactly the daily indices older than N days, by the date in the name', async () => {
    const prefix = newPrefix();
    const names = [
      `${prefix}2024.02.27`,
      `${prefix}2024.02.28`,
      `${prefix}2024.02.29`,
      `${prefix}2024.03.01`,
      `${prefix}2024.03.08`,
      // Not of the shape: never touched.
      `${prefix}2024.02.30`,
      `${prefix}2024.1.1`,
      `${prefix}old-2024.01.01`,
      `${prefix}2024.01.01-reindexed`,
      `${prefix}archive`,
    ];
    for (const index of names) await admin.indices.create({ index });
    const now = Date.UTC(2024, 2, 8, 15); // with 7 days the 1st is kept, February goes
    expect(await deleteIndicesOlderThan(admin, prefix, 7, now)).toEqual([`${prefix}2024.02.27`, `${prefix}2024.02.28`, `${prefix}2024.02.29`]);
    expect(await listDailyIndices(admin, prefix)).toEqual([`${prefix}2024.03.01`, `${prefix}2024.03.08`]);
    const rest = (await admin.cat.indices({ index: `${prefix}*`, format: 'json', h: 'index' } as never)).body as unknown as Array<{ index: string }>;
    expect(rest.map((r) => r.index).sort()).toEqual([...names.slice(3)].sort());
    expect(await deleteIndicesOlderThan(admin, prefix, 7, now)).toEqual([]);
    expect(await deleteDailyIndex(admin, prefix, `${prefix}archive`)).toBe(false);
    expect(await deleteDailyIndex(admin, prefix, `${prefix}2024.03.02`)).toBe(false);
    expect(await deleteDailyIndex(admin, prefix, `${prefix}2024.03.01`)).toBe(true);
    expect(await listDailyIndices(admin, prefix)).toEqual([`${prefix}2024.03.08`]);
  });
});

/** The durable log as the forwarder sees it, in memory (the sink and OpenSearch are real). */
class MemoryLog implements ForwarderSource {
  records: LogRecord[] = [];
  cursors = new Map<string, number>();
  dead: DeadLetter[] = [];
  subs: Subscription[] = [];
  private listeners = new Set<() => void>();
  append(messages: string[]): void {
    for (const message of messages) {
      const seq = this.records.length + 1;
      this.records.push({ seq, logGroup: 'hids-alerts', logStream: 'i-0outage', timestamp: DAY + seq, ingestionTime: Date.now(), message });
    }
    for (const l of this.listeners) l();
  }
  async readAfter(after: number, limit: number, groups: readonly string[]): Promise<LogRecord[]> {
    return this.records.filter((r) => r.seq > after && groups.includes(r.logGroup)).slice(0, limit);
  }
  async lastSequence(): Promise<number> {
    return this.records.length;
  }
  async subscriptions(): Promise<Subscription[]> {
    return this.subs;
  }
  async getCursor(d: string): Promise<number> {
    return this.cursors.get(d) ?? 0;
  }
  async setCursor(d: string, seq: number): Promise<void> {
    this.cursors.set(d, seq);
  }
  async addDeadLetters(letters: DeadLetter[]): Promise<void> {
    this.dead.push(...letters);
  }
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
