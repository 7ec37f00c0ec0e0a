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
   * Never refuse while at most this many events wait: a burst of a batch or two after a quiet
   * spell (when the rate is not known yet, or a busy machine has slowed the index for a moment)
   * is admitted, and hosts and tests that ship one now and then do not retry for nothing.
   * Throttling is for sustained overload. The price: on an index slower than this many events a
   * second, freshness may reach the allowance over the rate (measured in the server bench on a
   * machine at load average 13: about 1,650 events/s).
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

type Verdict = { kind: 'admit' } | { kind: 'throttle'; reason: ThrottleReason; destination: string; lagEvents: number; lagMs: number };

/** An admitted request holds its share of the backlog until `release()` (once it is stored or failed). */
export type Admission = { kind: 'admit'; release: () => void } | Exclude<Verdict, { kind: 'admit' }>;

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
  /** Admitted requests not yet stored, and the events they are estimated to hold. */
  inFlightRequests: number;
  inFlightEvents: number;
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

/** Request bytes per event assumed until the log has reported what it stored (an OSSEC JSON alert is about 1 KB). */
const INITIAL_BYTES_PER_EVENT = 1000;

/**
 * Decides for each PutLogEvents. Only destinations whose sink takes writes count: one that is down
 * is what the durable log is for (its events wait there, /healthz says degraded), and refusing
 * every host's alerts for it would move the backlog onto the hosts.
 *
 * Requests admitted and not yet stored count as backlog too: fifty hosts that retry at once would
 * otherwise all be admitted on the same small lag, each adding its batch past the bound. Their
 * events are estimated from their size (the decision comes before the body is read as JSON).
 */
export class AdmissionControl {
  private readonly throttled: Record<ThrottleReason, number> = { lag_events: 0, lag_seconds: 0 };
  private inFlightRequests = 0;
  private inFlightBytes = 0;
  private bytesPerEvent = INITIAL_BYTES_PER_EVENT;

  constructor(
    readonly settings: AdmissionSettings,
    private readonly lags: () => readonly DestinationLag[],
  ) {}

  /** Admit or refuse one request of `requestBytes` now (counted when refused). */
  admit(requestBytes = 0): Admission {
    const { decision } = this.evaluate();
    if (decision.kind === 'throttle') {
      this.throttled[decision.reason]++;
      return decision;
    }
    const bytes = Math.max(0, requestBytes);
    this.inFlightRequests++;
    this.inFlightBytes += bytes;
    let released = false;
    return {
      kind: 'admit',
      release: () => {
        if (released) return;
        released = true;
        this.inFlightRequests--;
        this.inFlightBytes -= bytes;
      },
    };
  }

  /** What the log stored: the bytes per event that turn an admitted request's size into events. */
  observeStored(events: number, bytes: number): void {
    if (events <= 0 || bytes <= 0) return;
    this.bytesPerEvent += 0.2 * (bytes / events - this.bytesPerEvent);
  }

  private inFlightEvents(): number {
    return Math.round(this.inFlightBytes / Math.max(1, this.bytesPerEvent));
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
      inFlightRequests: this.inFlightRequests,
      inFlightEvents: this.inFlightEvents(),
    };
  }

  private evaluate(): { decision: Verdict; worst?: { lag: DestinationLag; lagMs: number } } {
    const { maxLagMs, maxLagEvents, allowanceEvents } = this.settings;
    const pending = this.inFlightEvents();
    let worst: { lag: DestinationLag; lagMs: number } | undefined;
    let decision: Verdict = { kind: 'admit' };
    for (const measured of this.lags()) {
      if (measured.status !== 'ok') continue;
      const lag = pending > 0 ? { ...measured, lagEvents: measured.lagEvents + pending } : measured;
      const lagMs = lagMsOf(lag);
      if (!worst || lagMs > worst.lagMs) worst = { lag, lagMs };
      if (decision.kind === 'throttle' || lag.lagEvents <= allowanceEvents) continue;
      if (maxLagEvents > 0 && lag.lagEvents > maxLagEvents) decision = { kind: 'throttle', reason: 'lag_events', destination: lag.destination, lagEvents: lag.lagEvents, lagMs };
      else if (maxLagMs > 0 && lagMs > maxLagMs) decision = { kind: 'throttle', reason: 'lag_seconds', destination: lag.destination, lagEvents: lag.lagEvents, lagMs };
    }
    return worst ? { decision, worst } : { decision };
  }
}
