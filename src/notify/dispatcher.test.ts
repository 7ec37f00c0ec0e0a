/**
 * The dispatcher: routing, the throttle per rule and group, retries with backoff, a bounded queue,
 * and that a failing or hanging channel neither blocks the caller nor the other channels.
 */
import { describe, expect, it } from 'vitest';
import type { Detection } from '../core/detection.js';
import type { AttemptOutcome } from '../pipeline/retry.js';
import { sampleDetection } from '../testing/detections.js';
import type { NotificationChannel } from './channel.js';
import { NotificationDispatcher } from './dispatcher.js';

function recording(id: string, outcomes: Array<AttemptOutcome['kind'] | 'hang'> = []): NotificationChannel & { calls: Detection[] } {
  const calls: Detection[] = [];
  return {
    id,
    kind: 'webhook',
    calls,
    async send(detection, signal) {
      calls.push(detection);
      const next = outcomes.shift() ?? 'ok';
      if (next === 'hang') {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        return { kind: 'retryable', error: new Error('timed out') };
      }
      if (next === 'ok') return { kind: 'ok', value: undefined };
      return { kind: next, error: new Error(`${id} says ${next}`) } as AttemptOutcome;
    },
  };
}

const FAST = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 };

describe('NotificationDispatcher', () => {
  it('sends once per rule and group within the throttle; a second detection of the same group is suppressed and counted, another group goes out', async () => {
    let now = 1_000_000;
    const channel = recording('a');
    const d = new NotificationDispatcher({ channels: [channel], routes: [{ channels: ['a'] }], throttleMs: 600_000, now: () => now, retryPolicy: FAST });
    expect(d.notify(sampleDetection({ id: 'd1' })).kind).toBe('queued');
    expect(d.notify(sampleDetection({ id: 'd2' }))).toEqual({ kind: 'suppressed', untilMs: 1_600_000 });
    expect(d.notify(sampleDetection({ id: 'd3', group: [{ field: 'srcip', value: '198.51.100.1' }] })).kind).toBe('queued');
    await d.idle();
    expect(channel.calls.map((c) => c.id)).toEqual(['d1', 'd3']);
    now += 600_001;
    expect(d.notify(sampleDetection({ id: 'd4' })).kind).toBe('queued');
    await d.idle();
    expect(channel.calls.map((c) => c.id)).toEqual(['d1', 'd3', 'd4']);
    expect(d.stats()).toMatchObject({ sent: 3, suppressed: 1, failed: 0 });
    expect(d.attempts().find((a) => a.result === 'suppressed')).toMatchObject({ detectionId: 'd2', attempt: 0, channel: 'a' });
  });

  it('routes by rule id (with a prefix) and severity', async () => {
    const ssh = recording('ssh');
    const critical = recording('critical');
    const d = new NotificationDispatcher({ channels: [ssh, critical], routes: [{ channels: ['ssh'], rules: ['ssh-*'] }, { channels: ['critical'], severities: ['critical'] }], throttleMs: 0 });
    d.notify(sampleDetection({ id: 'x1' }));
    d.notify(sampleDetection({ id: 'x2', rule: { id: 'port-scan', name: 'Port scan', kind: 'spread', severity: 'critical' } }));
    expect(d.notify(sampleDetection({ id: 'x3', rule: { id: 'web-400', name: 'Web 400s', kind: 'threshold', severity: 'low' } }))).toEqual({ kind: 'unrouted' });
    await d.idle();
    expect(ssh.calls.map((c) => c.id)).toEqual(['x1']);
    expect(critical.calls.map((c) => c.id)).toEqual(['x2']);
  });

  it('retries a retryable failure with backoff and logs every attempt; a fatal one is not retried', async () => {
    const flaky = recording('flaky', ['retryable', 'retryable', 'ok']);
    const broken = recording('broken', ['fatal']);
    const lines: Array<{ level: string; fields: Record<string, unknown> }> = [];
    const d = new NotificationDispatcher({ channels: [flaky, broken], routes: [{ channels: ['flaky', 'broken'] }], retryPolicy: FAST, log: (level, fields) => lines.push({ level, fields }) });
    d.notify(sampleDetection());
    await d.idle();
    expect(flaky.calls).toHaveLength(3);
    expect(broken.calls).toHaveLength(1);
    const flakyLog = d.attempts().filter((a) => a.channel === 'flaky').reverse();
    expect(flakyLog.map((a) => [a.attempt, a.result])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'sent'],
    ]);
    expect(flakyLog[0]!.error).toBe('flaky says retryable');
    expect(d.attempts().find((a) => a.channel === 'broken')).toMatchObject({ result: 'failed', attempt: 1, error: 'broken says fatal' });
    expect(lines.filter((l) => l.fields['channel'] === 'flaky').map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    expect(lines.find((l) => l.fields['channel'] === 'broken')).toMatchObject({ level: 'error', fields: { component: 'notify', result: 'failed', rule_id: 'ssh-brute-force' } });
    expect(d.stats()).toMatchObject({ sent: 1, failed: 1, retried: 2 });
  });

  it('gives up after maxAttempts and says so', async () => {
    const down = recording('down', ['retryable', 'retryable', 'retryable', 'retryable', 'retryable']);
    const d = new NotificationDispatcher({ channels: [down], routes: [{ channels: ['down'] }], retryPolicy: FAST });
    d.notify(sampleDetection());
    await d.idle();
    expect(down.calls).toHaveLength(4);
    expect(d.attempts()[0]).toMatchObject({ result: 'failed', attempt: 4 });
  });

  it('a hanging channel blocks neither notify() nor another channel; its attempts are cut off by the attempt timeout and retried', async () => {
    const hanging = recording('hanging', ['hang', 'hang', 'hang']);
    const fine = recording('fine');
    const d = new NotificationDispatcher({ channels: [hanging, fine], routes: [{ channels: ['hanging', 'fine'] }], throttleMs: 0, attemptTimeoutMs: 50, retryPolicy: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect(d.notify(sampleDetection({ id: `h${i}` })).kind).toBe('queued');
    // notify() only queues: twenty calls return while the hanging channel's first attempt is pending.
    expect(performance.now() - started).toBeLessThan(1000);
    for (let i = 0; i < 100 && fine.calls.length < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fine.calls).toHaveLength(20);
    expect(hanging.calls.length).toBeLessThanOrEqual(3);
    await d.close();
  });

  it('a full queue drops and counts instead of growing without bound', async () => {
    const hanging = recording('slow', Array.from({ length: 10 }, () => 'hang' as const));
    const d = new NotificationDispatcher({ channels: [hanging], routes: [{ channels: ['slow'] }], throttleMs: 0, queueLimit: 3, attemptTimeoutMs: 60_000 });
    const outcomes = Array.from({ length: 6 }, (_, i) => d.notify(sampleDetection({ id: `q${i}` })));
    // The first is being sent, three wait, two are dropped.
    expect(outcomes.map((o) => (o.kind === 'queued' ? o.channels.length : 0))).toEqual([1, 1, 1, 1, 0, 0]);
    expect(d.stats()).toMatchObject({ dropped: 2, queued: 4 });
    expect(d.attempts().filter((a) => a.result === 'dropped').map((a) => a.detectionId)).toEqual(['q5', 'q4']);
    await d.close();
  });

  it('refuses a route to a channel that does not exist', () => {
    expect(() => new NotificationDispatcher({ channels: [recording('a')], routes: [{ channels: ['b'] }] })).toThrow(/channel "b"/);
  });
});
