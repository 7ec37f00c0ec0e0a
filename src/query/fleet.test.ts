import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSearchPair, type OpenSearchPair } from '../../test/support/opensearch-pair.js';
import { cloudWatchEventId } from '../core/ids.js';
import type { IndexedDocument } from '../core/document.js';
import { DuckDbStore } from '../sinks/duckdb/store.js';
import { documentFromLogEvent } from '../transforms/to-document.js';
import { compareHosts, fleetOf, hostStatus, type FleetHost } from './fleet.js';

const NOW = Date.UTC(2024, 2, 2, 12, 0, 0);
const RANGE = { fromMs: NOW - 3_600_000, toMs: NOW };
const SILENT_MS = 180_000;

let seq = 0;
function event(stream: string, timestampMs: number, message: string): IndexedDocument {
  seq++;
  return documentFromLogEvent({ eventId: cloudWatchEventId(timestampMs, seq), timestampMs, message, owner: '000000000000', logGroup: 'hids-alerts', logStream: stream });
}
const alert = (stream: string, atMs: number, level: number): IndexedDocument =>
  event(stream, atMs, JSON.stringify({ rule: { level, comment: 'SSH authentication failed', sidid: 5716, group: 'syslog,sshd' }, id: `${atMs / 1000}.${seq}`, srcip: '10.0.0.1', full_log: 'x' }));
const heartbeat = (stream: string, atMs: number): IndexedDocument => event(stream, atMs, JSON.stringify({ hidsmon: { heartbeat: true, version: '1', host: stream } }));

/** Three hosts: one reporting, one whose heartbeats stopped 10 min ago, one that never sent one; plus alerts outside the range. */
function documents(): IndexedDocument[] {
  return [
    alert('i-reporting', NOW - 60_000, 3),
    alert('i-reporting', NOW - 30_000, 10),
    alert('i-reporting', NOW - 10_000, 5),
    heartbeat('i-reporting', NOW - 50_000),
    heartbeat('i-reporting', NOW - 110_000),
    alert('i-stopped', NOW - 900_000, 12),
    heartbeat('i-stopped', NOW - 600_000),
    heartbeat('i-stopped', NOW - 7_200_000), // before the range: still its heartbeats' history
    alert('i-no-agent', NOW - 20_000, 7),
    alert('i-no-agent', NOW - 7_200_000, 15), // before the range: not counted
  ];
}

const EXPECTED: FleetHost[] = [
  { logStream: 'i-stopped', status: 'silent', alerts: 1, maxLevel: 12, lastAlertMs: NOW - 900_000, lastHeartbeatMs: NOW - 600_000 },
  { logStream: 'i-reporting', status: 'reporting', alerts: 3, maxLevel: 10, lastAlertMs: NOW - 10_000, lastHeartbeatMs: NOW - 50_000 },
  { logStream: 'i-no-agent', status: 'no_heartbeat', alerts: 1, maxLevel: 7, lastAlertMs: NOW - 20_000, lastHeartbeatMs: null },
];

describe('the fleet: terms on @log_stream with max sub-aggregations, on both backends', () => {
  let os: OpenSearchPair;
  let db: DuckDbStore;

  beforeAll(async () => {
    os = await openSearchPair();
    db = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    const docs = documents();
    expect(await os.write(docs)).toMatchObject({ written: docs.length });
    expect(await db.write(docs)).toMatchObject({ written: docs.length });
  }, 200_000);
  afterAll(async () => {
    await os?.close();
    await db?.close();
  });

  it('lists every host with its alerts in the range (heartbeats not counted), highest level, last alert and last heartbeat; silent first', async () => {
    for (const backend of [db, os]) {
      const fleet = await fleetOf(backend, RANGE, NOW, SILENT_MS);
      if (!fleet.ok) throw new Error(fleet.error.message);
      expect(fleet.value.hosts).toEqual(EXPECTED);
      expect(fleet.value.truncated).toBe(false);
    }
  });

  it('a host turns silent once its last heartbeat is older than the threshold', async () => {
    const later = await fleetOf(db, RANGE, NOW + SILENT_MS, SILENT_MS);
    if (!later.ok) throw new Error(later.error.message);
    expect(later.value.hosts.find((h) => h.logStream === 'i-reporting')?.status).toBe('silent');
    expect(later.value.hosts.slice(0, 2).map((h) => h.logStream)).toEqual(['i-stopped', 'i-reporting']);
  });

  it('max refuses a keyword field on both backends with a request error', async () => {
    for (const backend of [db, os]) {
      const found = await backend.search({ query: { kind: 'match_all' }, size: 0, aggregations: { hosts: { type: 'terms', field: '@log_stream', metrics: { m: { type: 'max', field: 'srcuser' } } } } });
      expect(found.ok).toBe(false);
    }
  });
});

describe('host status and order (pure)', () => {
  it('silent past the threshold, not at it; none without heartbeats', () => {
    expect(hostStatus(NOW - SILENT_MS, NOW, SILENT_MS)).toBe('reporting');
    expect(hostStatus(NOW - SILENT_MS - 1, NOW, SILENT_MS)).toBe('silent');
    expect(hostStatus(null, NOW, SILENT_MS)).toBe('no_heartbeat');
  });
  it('the longest silent first, then by alerts', () => {
    const h = (logStream: string, status: FleetHost['status'], alerts: number, lastHeartbeatMs: number | null): FleetHost => ({ logStream, status, alerts, maxLevel: null, lastAlertMs: null, lastHeartbeatMs });
    const sorted = [h('a', 'reporting', 5, NOW), h('b', 'silent', 0, NOW - 5000), h('c', 'silent', 1, NOW - 9000), h('d', 'no_heartbeat', 9, null)].sort(compareHosts);
    expect(sorted.map((x) => x.logStream)).toEqual(['c', 'b', 'd', 'a']);
  });
});

describe('terms metrics in the search body', () => {
  it('reads {"metrics": {"last": {"type": "max", "field": "@timestamp"}}} and refuses other shapes with a 400', async () => {
    const { parseSearchBody } = await import('../api/query/query-api.js');
    const good = parseSearchBody({ query: '', aggregations: { hosts: { type: 'terms', field: '@log_stream', metrics: { last: { type: 'max', field: '@timestamp' }, __proto__x: { type: 'max', field: 'rule.level' } } } } }, NOW);
    if (!good.ok) throw new Error(good.error.error.message);
    expect(good.value.aggregations?.['hosts']).toEqual({ type: 'terms', field: '@log_stream', size: 10, metrics: { last: { type: 'max', field: '@timestamp' }, __proto__x: { type: 'max', field: 'rule.level' } } });
    for (const metrics of [[], { a: { type: 'min', field: 'x' } }, { a: { type: 'max' } }, Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`m${i}`, { type: 'max', field: 'rule.level' }]))]) {
      const bad = parseSearchBody({ query: '', aggregations: { hosts: { type: 'terms', field: '@log_stream', metrics } } }, NOW);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.status).toBe(400);
    }
  });
});
