/**
 * @module Admission control between ingest and indexing: PutLogEvents is refused, as CloudWatch
 * refuses it when throttled, while a destination is further behind the durable log than the bound.
 * The caller's SDK or agent backs off and sends the same batch again; a refused batch is simply not
 * accepted, so nothing is lost, and the backlog (and with it freshness) stays bounded. Pure: the
 * destinations' lag and the clock are passed in.
 */
import type { DestinationLag } from '../forwarder/forwarder.js';

export interface AdmissionSettings {
  /**
   * Refuse while a destination needs more than this to index what waits (its lag in events over its
   * recent rate) or its oldest unindexed event is older than this. 0 turns the check off.
   */
  maxLagMs: number;
  /** Refuse while more events than this wait for a destination, whatever its rate. 0 turns the check off. */
  maxLagEvents: number;
  /**
   * Never refuse while at most this many events wait: a backlog of a batch or two is indexed in
   * about its own commit time whatever the load, and refusing it would only make hosts and tests
   * that ship a burst now and then retry for nothing. Throttling is for sustained overload.
   */
  allowanceEvents: number;
}

/**
 * 1 s of backlog leaves room, under the 1.5 s freshness goal, for the batch being written when an
 * event arrives; 200,000 events bound the backlog whatever the rate (about 10 s at 20,000/s); the
 * allowance is the largest PutLogEvents batch (10,000 events), about half a second of indexing.
 */
export const DEFAULT_ADMISSION: Readonly<AdmissionSettings> = Object.freeze({ maxLagMs: 1000, maxLagEvents: 200_000, allowanceEvents: 10_000 });

export type ThrottleReason = 'lag_events' | 'lag_seconds';

export type Admission = { kind: 'admit' } | { kind: 'throttle'; reason: ThrottleReason; destination: string; lagEvents: number; lagMs: number };

export interface AdmissionStatus {
  settings: AdmissionSettings;
  /** The last decision refused (until a request is admitted again). */
  throttling: boolean;
  reason?: ThrottleReason;
  /** The destination that decided, and its lag then: events, and the larger of age and estimated time to index them. */
  destination?: string;
  lagEvents: number;
  lagMs: number;
  /** Requests refused since start, by reason. */
  throttled: Record<ThrottleReason, number>;
}

/**
 * The rate assumed of a destination that has not yet taken a batch (just started): a slow
 * machine's, so that a burst at start is not all admitted before the first batch shows the rate.
 */
export const UNMEASURED_RATE = 5000;

/**
 * How far behind a destination is, in time: the age of its oldest unindexed event, or the time its
 * recent rate needs for what waits, whichever is larger (the age alone rises only after a burst).
 */
export function lagMsOf(lag: DestinationLag): number {
  const rate = lag.ratePerSecond > 0 ? lag.ratePerSecond : UNMEASURED_RATE;
  const drainMs = (lag.lagEvents * 1000) / rate;
  return Math.max(lag.lagSeconds * 1000, drainMs);
}

/**
 * Decides for each PutLogEvents. Only destinations whose sink takes writes count: one that is down
 * is what the durable log is for (its events wait there, /healthz says degraded), and refusing
 * every host's alerts for it would move the backlog onto the hosts.
 */
export class AdmissionControl {
  private readonly throttled: Record<ThrottleReason, number> = { lag_events: 0, lag_seconds: 0 };

  constructor(
    readonly settings: AdmissionSettings,
    private readonly lags: () => readonly DestinationLag[],
  ) {}

  /** Admit or refuse one request now (counted when refused). */
  admit(): Admission {
    const { decision } = this.evaluate();
    if (decision.kind === 'throttle') this.throttled[decision.reason]++;
    return decision;
  }

  /** What a request would get now, with the lag of the destination furthest behind. */
  status(): AdmissionStatus {
    const { decision, worst } = this.evaluate();
    const decided = decision.kind === 'throttle' ? { destination: decision.destination, lagEvents: decision.lagEvents, lagMs: decision.lagMs } : worst ? { destination: worst.lag.destination, lagEvents: worst.lag.lagEvents, lagMs: worst.lagMs } : { lagEvents: 0, lagMs: 0 };
    return {
      settings: { ...this.settings },
      throttling: decision.kind === 'throttle',
      ...(decision.kind === 'throttle' ? { reason: decision.reason } : {}),
      ...decided,
      throttled: { ...this.throttled },
    };
  }

  private evaluate(): { decision: Admission; worst?: { lag: DestinationLag; lagMs: number } } {
    const { maxLagMs, maxLagEvents, allowanceEvents } = this.settings;
    let worst: { lag: DestinationLag; lagMs: number } | undefined;
    let decision: Admission = { kind: 'admit' };
    for (const lag of this.lags()) {
      if (lag.status !== 'ok') continue;
      const lagMs = lagMsOf(lag);
      if (!worst || lagMs > worst.lagMs) worst = { lag, lagMs };
      if (decision.kind === 'throttle' || lag.lagEvents <= allowanceEvents) continue;
      if (maxLagEvents > 0 && lag.lagEvents > maxLagEvents) decision = { kind: 'throttle', reason: 'lag_events', destination: lag.destination, lagEvents: lag.lagEvents, lagMs };
      else if (maxLagMs > 0 && lagMs > maxLagMs) decision = { kind: 'throttle', reason: 'lag_seconds', destination: lag.destination, lagEvents: lag.lagEvents, lagMs };
    }
    return worst ? { decision, worst } : { decision };
  }
}
