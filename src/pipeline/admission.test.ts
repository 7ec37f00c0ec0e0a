import { describe, expect, it } from 'vitest';
import type { DestinationLag } from '../forwarder/forwarder.js';
import { AdmissionControl, lagMsOf, UNMEASURED_RATE } from './admission.js';

const S = { allowanceEvents: 0 };
const lag = (overrides: Partial<DestinationLag> = {}): DestinationLag => ({ destination: 'arn:hidsmon:sink:embedded', cursor: 0, lagEvents: 0, lagSeconds: 0, status: 'ok', ratePerSecond: 0, restarts: 0, ...overrides });

describe('AdmissionControl', () => {
  it('admits while every destination is within both bounds', () => {
    const control = new AdmissionControl({ ...S, maxLagMs: 1000, maxLagEvents: 10_000 }, () => [lag({ lagEvents: 9000, ratePerSecond: 10_000, lagSeconds: 0.5 })]);
    expect(control.admit()).toMatchObject({ kind: 'admit' });
    expect(control.status()).toMatchObject({ throttling: false, lagEvents: 9000, lagMs: 900, throttled: { lag_events: 0, lag_seconds: 0 } });
  });

  it('throttles on the backlog over the recent rate before the oldest event is old (a burst)', () => {
    const control = new AdmissionControl({ ...S, maxLagMs: 1000, maxLagEvents: 100_000 }, () => [lag({ lagEvents: 30_000, ratePerSecond: 20_000, lagSeconds: 0.1 })]);
    expect(control.admit()).toEqual({ kind: 'throttle', reason: 'lag_seconds', destination: 'arn:hidsmon:sink:embedded', lagEvents: 30_000, lagMs: 1500 });
    expect(control.status()).toMatchObject({ throttling: true, reason: 'lag_seconds', throttled: { lag_seconds: 1, lag_events: 0 } });
  });

  it('throttles on the age of the oldest unindexed event, and on the event count', () => {
    expect(new AdmissionControl({ ...S, maxLagMs: 1000, maxLagEvents: 0 }, () => [lag({ lagEvents: 10, lagSeconds: 2 })]).admit()).toMatchObject({ kind: 'throttle', reason: 'lag_seconds', lagMs: 2000 });
    expect(new AdmissionControl({ ...S, maxLagMs: 0, maxLagEvents: 5000 }, () => [lag({ lagEvents: 5001 })]).admit()).toMatchObject({ kind: 'throttle', reason: 'lag_events' });
  });

  it('ignores a destination that is down (its events wait in the log) and takes the one furthest behind of the others', () => {
    const lags = [lag({ destination: 'down', status: 'sink_unavailable', lagEvents: 1e9, lagSeconds: 3600 }), lag({ destination: 'a', lagEvents: 100, ratePerSecond: 1000 }), lag({ destination: 'b', lagEvents: 2000, ratePerSecond: 1000 })];
    const control = new AdmissionControl({ ...S, maxLagMs: 1000, maxLagEvents: 1e6 }, () => lags);
    expect(control.admit()).toMatchObject({ kind: 'throttle', destination: 'b', lagMs: 2000 });
    lags[2] = lag({ destination: 'b', lagEvents: 500, ratePerSecond: 1000 });
    expect(control.admit()).toMatchObject({ kind: 'admit' });
    expect(control.status()).toMatchObject({ throttling: false, destination: 'b', lagMs: 500, throttled: { lag_seconds: 1 } });
  });

  it('never throttles within the allowance, however slow the destination; past it, at once', () => {
    const lags = [lag({ lagEvents: 10_000, ratePerSecond: 300, lagSeconds: 8 })];
    const control = new AdmissionControl({ maxLagMs: 1000, maxLagEvents: 100, allowanceEvents: 10_000 }, () => lags);
    expect(control.admit()).toMatchObject({ kind: 'admit' });
    expect(control.status()).toMatchObject({ throttling: false, lagEvents: 10_000 });
    lags[0] = lag({ lagEvents: 10_001, ratePerSecond: 300, lagSeconds: 8 });
    expect(control.admit()).toMatchObject({ kind: 'throttle', reason: 'lag_events' });
  });

  it('counts admitted requests not yet stored as backlog, by their size, until released: many at once cannot all pass the bound', () => {
    const control = new AdmissionControl({ maxLagMs: 1000, maxLagEvents: 0, allowanceEvents: 0 }, () => [lag({ lagEvents: 400, ratePerSecond: 1000 })]);
    control.observeStored(500, 500 * 1000);
    const admitted = [control.admit(250_000), control.admit(250_000)];
    expect(admitted.map((a) => a.kind)).toEqual(['admit', 'admit']);
    // 400 stored + 2 × 250 in flight = 900 events: 0.9 s; one more batch of 250 makes it 1.15 s.
    expect(control.status()).toMatchObject({ inFlightRequests: 2, inFlightEvents: 500, lagEvents: 900 });
    control.admit(250_000);
    expect(control.admit(250_000)).toMatchObject({ kind: 'throttle', reason: 'lag_seconds', lagEvents: 1150 });
    for (const a of admitted) if (a.kind === 'admit') (a.release(), a.release());
    expect(control.status()).toMatchObject({ inFlightRequests: 1, inFlightEvents: 250 });
  });

  it('0 turns a bound off', () => {
    expect(new AdmissionControl({ ...S, maxLagMs: 0, maxLagEvents: 0 }, () => [lag({ lagEvents: 1e9, lagSeconds: 1e5, ratePerSecond: 1 })]).admit()).toMatchObject({ kind: 'admit' });
  });

  it('lagMsOf: the larger of the age and the time to index the backlog; before a rate is measured, UNMEASURED_RATE', () => {
    expect(lagMsOf(lag({ lagEvents: 1000, ratePerSecond: 500, lagSeconds: 1 }))).toBe(2000);
    expect(lagMsOf(lag({ lagEvents: 1000, ratePerSecond: 0, lagSeconds: 0.1 }))).toBe(1000 * 1000 / UNMEASURED_RATE);
    expect(lagMsOf(lag({ lagEvents: 0, ratePerSecond: 0, lagSeconds: 0.25 }))).toBe(250);
  });
});
