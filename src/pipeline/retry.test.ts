import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { classifyError, parseRetryAfterMs, retry, retryDelayMs, settleWithin, sleep, UnavailableError, type AttemptOutcome, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

/** A clock that moves only when the code under test sleeps. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; waits: number[] } {
  let t = 0;
  const waits: number[] = [];
  return { now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)), waits };
}

const retryable = <T = undefined>(retryAfterMs?: number): AttemptOutcome<T> => ({ kind: 'retryable', error: new Error('down'), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

describe('retryDelayMs', () => {
  it('grows exponentially up to the cap, with full jitter below it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(200);
    // A huge attempt number neither overflows nor exceeds the cap.
    expect(retryDelayMs(10_000, policy, () => 0.5)).toBe(500);
  });

  it('caps the wait after a throttled outcome lower than after an outage', () => {
    const long: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 30_000, maxThrottledDelayMs: 5_000 };
    expect(retryDelayMs(20, long, () => 0.999999)).toBe(29_999);
    expect(retryDelayMs(20, long, () => 0.999999, undefined, true)).toBe(4_999);
    expect(retryDelayMs(2, long, () => 0.999999, undefined, true)).toBe(399);
    expect(retryDelayMs(20, { initialDelayMs: 200, maxDelayMs: 30_000 }, () => 0.999999, undefined, true)).toBe(4_999);
  });

  it('takes a Retry-After hint over the backoff, capped', () => {
    expect(retryDelayMs(1, policy, () => 0.5, 5000)).toBe(5000);
    expect(retryDelayMs(1, { ...policy, maxRetryAfterMs: 2000 }, () => 0.5, 5000)).toBe(2000);
  });
});

describe('retry', () => {
  it('retries retryable outcomes until ok, waiting the backoff in between', async () => {
    const time = fakeTime();
    let calls = 0;
    const outcome = await retry<number>(async () => (++calls < 4 ? retryable<number>() : { kind: 'ok', value: calls }), policy, {}, { ...time, random: () => 0.5 });
    expect(outcome).toEqual({ kind: 'ok', value: 4 });
    expect(time.waits).toEqual([50, 100, 200]);
  });

  it('stops at once on a fatal outcome', async () => {
    let calls = 0;
    const outcome = await retry(async () => (calls++, { kind: 'fatal', error: new Error('mapping') }), policy, {}, fakeTime());
    expect(outcome.kind).toBe('fatal');
    expect(calls).toBe(1);
  });

  it('honours Retry-After and gives up at the deadline or the attempt limit', async () => {
    const time = fakeTime();
    const outcome = await retry(async () => retryable(400), { ...policy, deadlineMs: 1000 }, {}, time);
    expect(outcome.kind).toBe('retryable');
    expect(time.waits).toEqual([400, 400]); // a third wait would end at 1200 ms, past the deadline
    let calls = 0;
    await retry(async () => (calls++, retryable()), { ...policy, maxAttempts: 3 }, {}, fakeTime());
    expect(calls).toBe(3);
  });

  it('reports each retry and stops when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const outcome = await retry(
      async (n) => {
        if (n === 3) controller.abort();
        return retryable();
      },
      policy,
      { signal: controller.signal, onRetry: (r) => seen.push(r.attempt) },
      { ...fakeTime(), random: () => 0 },
    );
    expect(outcome.kind).toBe('retryable');
    expect(seen).toEqual([1, 2]);
  });
});

describe('sleep', () => {
  it('leaves no abort listener behind, however many times it runs on one signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('resolves early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await waiting;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('settleWithin', () => {
  /** Pending timers of this process: a timer left behind keeps Node (the agent) from exiting. */
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('gives the value of work that settles in time and leaves no timer behind', async () => {
    const before = timers();
    expect(await settleWithin(Promise.resolve(7), 60_000, 'late')).toBe(7);
    expect(timers()).toBe(before);
  });

  it('gives the timed-out value when the work takes longer, and passes a rejection on', async () => {
    expect(await settleWithin(new Promise(() => {}), 5, 'late')).toBe('late');
    const before = timers();
    await expect(settleWithin(Promise.reject(new Error('boom')), 60_000, 'late')).rejects.toThrow('boom');
    expect(timers()).toBe(before);
  });
});

describe('classifyError', () => {
  it('calls network failures, timeouts, 429 and 5xx retryable, and leaves the rest to the caller', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { code: 'ECONNREFUSED' });
    expect(classifyError(new TypeError('fetch failed', { cause: refused }))?.kind).toBe('retryable');
    expect(classifyError(new DOMException('timed out', 'TimeoutError'))?.kind).toBe('retryable');
    expect(classifyError(Object.assign(new Error('busy'), { status: 503 }))?.kind).toBe('retryable');
    expect(classifyError(Object.assign(new Error('slow down'), { statusCode: 429, headers: { 'retry-after': '7' } }))).toMatchObject({ kind: 'retryable', retryAfterMs: 7000 });
    expect(classifyError(new UnavailableError('sink down', 250))).toMatchObject({ kind: 'retryable', retryAfterMs: 250 });
    expect(classifyError(Object.assign(new Error('bad request'), { status: 400 }))).toBeUndefined();
    expect(classifyError(new TypeError('nested.has is not a function'))).toBeUndefined();
    expect(classifyError('a string')).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterMs('120')).toBe(120_000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});
