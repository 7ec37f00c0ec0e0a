import { describe, expect, it } from 'vitest';
import type { DestinationLag } from '../../forwarder/forwarder.js';
import { healthOf } from './health.js';

const base: DestinationLag = { destination: 'arn:hidsmon:sink:embedded', cursor: 10, lagEvents: 0, lagSeconds: 0, status: 'ok', ratePerSecond: 0, restarts: 0 };

describe('healthOf', () => {
  it('is ok when every destination is ok and within the lag threshold', () => {
    expect(healthOf([base, { ...base, lagSeconds: 299 }], { lagThresholdSeconds: 300, nowMs: 0 })).toEqual({ status: 'ok' });
  });

  it('is degraded with one reason per problem', () => {
    const health = healthOf(
      [
        { ...base, status: 'sink_unavailable', statusSinceMs: 0, lastError: 'connect ECONNREFUSED', lagEvents: 12, lagSeconds: 400 },
        { ...base, destination: 'arn:hidsmon:sink:opensearch', status: 'restarting', statusSinceMs: 5000, restarts: 3, lastError: 'IO Error' },
      ],
      { lagThresholdSeconds: 300, nowMs: 65_000 },
    );
    expect(health).toEqual({
      status: 'degraded',
      reasons: [
        'sink arn:hidsmon:sink:embedded unavailable for 65 s, retrying: connect ECONNREFUSED',
        'arn:hidsmon:sink:embedded is 400 s behind (12 events; threshold 300 s)',
        'forwarder for arn:hidsmon:sink:opensearch restarting after an error for 60 s (3 restarts): IO Error',
      ],
    });
  });

  it('is degraded while a connection the server needs is unreachable, ok once it is back', () => {
    const down = { name: 'OpenSearch at http://127.0.0.1:9', reachable: false, error: 'connect ECONNREFUSED 127.0.0.1:9', sinceMs: 10_000 };
    expect(healthOf([base], { lagThresholdSeconds: 300, nowMs: 40_000, connections: [down] })).toEqual({
      status: 'degraded',
      reasons: ['OpenSearch at http://127.0.0.1:9 unreachable for 30 s, retrying: connect ECONNREFUSED 127.0.0.1:9'],
    });
    expect(healthOf([base], { lagThresholdSeconds: 300, nowMs: 40_000, connections: [{ name: down.name, reachable: true }] })).toEqual({ status: 'ok' });
  });
});
