/**
 * @module The fleet view's data: per host (log stream) its alerts in a time range (count, highest
 * level, last alert) and its agent's last heartbeat, with the silent hosts first. Two aggregation
 * searches any SearchBackend answers (terms on @log_stream with max sub-aggregations): one over
 * the alerts, one over the heartbeats, which the agent sends as documents flagged `heartbeat`.
 * A stopped agent is what an intruder does first, so silence is decided from heartbeats alone.
 */
import { ok, type Result } from '../core/result.js';
import { boolNode, matchAll, type QueryNode } from './ast.js';
import type { QueryError, SearchBackend, SearchRequest, TimeRange } from './search-api.js';

/** The most hosts one fleet answer lists (within the backends' 65,535 buckets, with room for both searches). */
export const MAX_FLEET_HOSTS = 10_000;
/** How far back a last heartbeat is looked for, whatever the time range: a host silent for a week is still silent. */
export const HEARTBEAT_LOOKBACK_MS = 30 * 86_400_000;

/** `silent`: no heartbeat for longer than the threshold; `reporting`: a recent one; `no_heartbeat`: none in the lookback (no hidsmon agent, or one with heartbeats off). */
export type HostStatus = 'silent' | 'reporting' | 'no_heartbeat';

export interface FleetHost {
  logStream: string;
  /** Alerts (heartbeats not counted) in the time range. */
  alerts: number;
  maxLevel: number | null;
  lastAlertMs: number | null;
  lastHeartbeatMs: number | null;
  status: HostStatus;
}

export interface Fleet {
  hosts: FleetHost[];
  /** More hosts than MAX_FLEET_HOSTS: the busiest are listed. */
  truncated: boolean;
  tookMs: number;
}

// The DSL's term (exact): hidsmon.flags is a keyword list.
const HEARTBEAT: QueryNode = { kind: 'term', field: 'hidsmon.flags', value: 'heartbeat', exact: true };

function hostsAggregation(metrics: Record<string, { type: 'max'; field: string }>, size: number): SearchRequest['aggregations'] {
  return { hosts: { type: 'terms', field: '@log_stream', size, metrics } };
}

/** The two searches: alerts in the range (heartbeats left out), heartbeats in the lookback up to now. */
export function fleetRequests(range: TimeRange, nowMs: number, size = MAX_FLEET_HOSTS): { alerts: SearchRequest; heartbeats: SearchRequest } {
  return {
    alerts: {
      query: boolNode({ must: [matchAll()], mustNot: [HEARTBEAT] }),
      timeRange: range,
      size: 0,
      // No hits, and the buckets hold every count: the total would be one more pass over the range.
      trackTotal: false,
      aggregations: hostsAggregation({ last: { type: 'max', field: '@timestamp' }, level: { type: 'max', field: 'rule.level' } }, size),
    },
    heartbeats: {
      query: HEARTBEAT,
      timeRange: { fromMs: Math.min(range.fromMs, nowMs - HEARTBEAT_LOOKBACK_MS), toMs: Math.max(range.toMs, nowMs) },
      size: 0,
      trackTotal: false,
      aggregations: hostsAggregation({ last: { type: 'max', field: '@timestamp' } }, size),
    },
  };
}

type Buckets = Array<{ key: string | number; count: number; metrics?: Record<string, number | null> }>;

function bucketsOf(response: { aggregations: Record<string, unknown> }): { buckets: Buckets; otherCount: number } {
  const agg = response.aggregations['hosts'] as { type: string; buckets: Buckets; otherCount: number } | undefined;
  return agg?.type === 'terms' ? { buckets: agg.buckets, otherCount: agg.otherCount } : { buckets: [], otherCount: 0 };
}

/** The status of a host whose last heartbeat is `lastHeartbeatMs` at `nowMs`. */
export function hostStatus(lastHeartbeatMs: number | null, nowMs: number, silentMs: number): HostStatus {
  if (lastHeartbeatMs === null) return 'no_heartbeat';
  return nowMs - lastHeartbeatMs > silentMs ? 'silent' : 'reporting';
}

const STATUS_RANK: Record<HostStatus, number> = { silent: 0, no_heartbeat: 1, reporting: 1 };

/** Silent hosts first, the longest silent first; then the others by alert count, then name. */
export function compareHosts(a: FleetHost, b: FleetHost): number {
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'silent') return (a.lastHeartbeatMs ?? 0) - (b.lastHeartbeatMs ?? 0) || (a.logStream < b.logStream ? -1 : 1);
  return b.alerts - a.alerts || (a.logStream < b.logStream ? -1 : a.logStream > b.logStream ? 1 : 0);
}

/** Both answers merged per host. Pure. */
export function mergeFleet(alerts: { aggregations: Record<string, unknown> }, heartbeats: { aggregations: Record<string, unknown> }, nowMs: number, silentMs: number): Omit<Fleet, 'tookMs'> {
  const hosts = new Map<string, FleetHost>();
  const host = (key: string | number): FleetHost => {
    const name = String(key);
    let h = hosts.get(name);
    if (!h) hosts.set(name, (h = { logStream: name, alerts: 0, maxLevel: null, lastAlertMs: null, lastHeartbeatMs: null, status: 'no_heartbeat' }));
    return h;
  };
  const a = bucketsOf(alerts);
  const b = bucketsOf(heartbeats);
  for (const bucket of a.buckets) {
    const h = host(bucket.key);
    h.alerts = bucket.count;
    h.maxLevel = bucket.metrics?.['level'] ?? null;
    h.lastAlertMs = bucket.metrics?.['last'] ?? null;
  }
  for (const bucket of b.buckets) host(bucket.key).lastHeartbeatMs = bucket.metrics?.['last'] ?? null;
  for (const h of hosts.values()) h.status = hostStatus(h.lastHeartbeatMs, nowMs, silentMs);
  return { hosts: [...hosts.values()].sort(compareHosts), truncated: a.otherCount > 0 || b.otherCount > 0 };
}

/** The fleet in `range` at `nowMs`: both searches at once on the backend. */
export async function fleetOf(backend: SearchBackend, range: TimeRange, nowMs: number, silentMs: number): Promise<Result<Fleet, QueryError>> {
  const started = performance.now();
  const requests = fleetRequests(range, nowMs);
  const [alerts, heartbeats] = await Promise.all([backend.search(requests.alerts), backend.search(requests.heartbeats)]);
  if (!alerts.ok) return alerts;
  if (!heartbeats.ok) return heartbeats;
  return ok({ ...mergeFleet(alerts.value, heartbeats.value, nowMs, silentMs), tookMs: Math.round(performance.now() - started) });
}
