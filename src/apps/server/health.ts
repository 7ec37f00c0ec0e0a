/**
 * @module What /healthz says: `ok`, or `degraded` with the reasons (a destination's sink
 * unavailable, its forwarder loop restarting, or its lag over the threshold). Pure.
 *
 * Degraded is still HTTP 200: the server keeps taking logs into its durable log while a sink is
 * down, which is what it is for; a 503 would make a Kubernetes readiness probe or a load balancer
 * stop sending it logs, and a liveness probe restart a process that a restart cannot help. Tools
 * that alert on health read the `status` field.
 */
import type { DestinationLag } from '../../forwarder/forwarder.js';

export type Health = { status: 'ok' } | { status: 'degraded'; reasons: string[] };

/** A connection to another system (an OpenSearch cluster), as last probed. */
export interface ConnectionState {
  /** What it is, for people: `OpenSearch at http://…`. */
  name: string;
  reachable: boolean;
  /** Why not, when not (no credentials in it). */
  error?: string;
  /** Since when (epoch ms) it is unreachable. */
  sinceMs?: number;
}

export interface HealthOptions {
  /** A destination further behind than this, in seconds, makes the server degraded. */
  lagThresholdSeconds: number;
  nowMs: number;
  /** Connections the server needs; one unreachable makes it degraded (not down: see above). */
  connections?: readonly ConnectionState[];
}

export function healthOf(lags: readonly DestinationLag[], options: HealthOptions): Health {
  const reasons: string[] = [];
  for (const lag of lags) {
    const since = lag.statusSinceMs === undefined ? '' : ` for ${Math.max(0, Math.round((options.nowMs - lag.statusSinceMs) / 1000))} s`;
    // An error's text is short and says what failed; cut anyway, it is shown without credentials.
    const why = lag.lastError ? `: ${lag.lastError.slice(0, 200)}` : '';
    if (lag.status === 'sink_unavailable') reasons.push(`sink ${lag.destination} unavailable${since}, retrying${why}`);
    if (lag.status === 'restarting') reasons.push(`forwarder for ${lag.destination} restarting after an error${since} (${lag.restarts} restarts)${why}`);
    if (lag.lagSeconds > options.lagThresholdSeconds) reasons.push(`${lag.destination} is ${Math.round(lag.lagSeconds)} s behind (${lag.lagEvents} events; threshold ${options.lagThresholdSeconds} s)`);
  }
  for (const c of options.connections ?? []) {
    if (c.reachable) continue;
    const since = c.sinceMs === undefined ? '' : ` for ${Math.max(0, Math.round((options.nowMs - c.sinceMs) / 1000))} s`;
    reasons.push(`${c.name} unreachable${since}, retrying${c.error ? `: ${c.error.slice(0, 200)}` : ''}`);
  }
  return reasons.length === 0 ? { status: 'ok' } : { status: 'degraded', reasons };
}
