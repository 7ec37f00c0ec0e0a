/**
 * @module The one retry policy of the pipeline (forwarder now; the agent and the OpenSearch sink
 * next), shaped like opentelemetry-js's retrying transport: capped exponential backoff with full
 * jitter, a server's `Retry-After` honoured, an optional overall deadline, cancellation by
 * AbortSignal, and each attempt's outcome as a tagged union instead of an exception.
 */

/** What one attempt came to. `retryable`: try again later (the whole request); `fatal`: never. */
export type AttemptOutcome<T = undefined> =
  | { kind: 'ok'; value: T }
  | { kind: 'retryable'; error: Error; retryAfterMs?: number; throttled?: boolean }
  | { kind: 'fatal'; error: Error };

export interface RetryPolicy {
  /** Upper bound of the first delay; each retry doubles it (`multiplier`) up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier?: number;
  /** Attempts in all, the first included (default: unlimited; alerts are evidence, we wait). */
  maxAttempts?: number;
  /** Give up once the next wait would end after this long since the first attempt (default: never). */
  deadlineMs?: number;
  /** A `Retry-After` longer than this is cut to it, so that a bad header cannot park us for days. */
  maxRetryAfterMs?: number;
  /**
   * The cap of the wait after a `throttled` outcome (default 5 s). A throttling endpoint is up and
   * refuses cheaply; waiting as long as for an outage would leave its capacity unused once it frees.
   */
  maxThrottledDelayMs?: number;
}

/** Clock, randomness and waiting, injectable so that unit tests run without real time. */
export interface RetryEnvironment {
  now?: () => number;
  /** In [0, 1). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Before each wait: the attempt that failed (1-based), the wait, and why. */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 30_000, multiplier: 2, maxRetryAfterMs: 300_000, maxThrottledDelayMs: 5_000 };

/**
 * The wait before retry number `attempt` (1 after the first failure): full jitter, i.e. uniform in
 * [0, min(max, initial × multiplier^(attempt-1))]. Full jitter spreads clients that failed together
 * (AWS architecture blog, "Exponential Backoff And Jitter"); a `retryAfterMs` hint wins over it.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number, throttled = false): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs!);
  }
  const exponent = Math.min(Math.max(0, attempt - 1), 60);
  const maxDelayMs = throttled ? Math.min(policy.maxDelayMs, policy.maxThrottledDelayMs ?? DEFAULT_RETRY_POLICY.maxThrottledDelayMs!) : policy.maxDelayMs;
  const cap = Math.min(maxDelayMs, policy.initialDelayMs * (policy.multiplier ?? 2) ** exponent);
  return Math.floor(random() * cap);
}

/**
 * Waits `ms`, or less if `signal` aborts (then it resolves, it does not reject: callers look at
 * `signal.aborted`). The abort listener is removed when the timer fires, so that a long-lived
 * signal does not collect one listener per retry.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `work`'s value if it settles within `ms`, else `timedOut`; never a timer left behind. A bare
 * `Promise.race([work, sleep(ms)])` keeps the sleep's timer alive after `work` won, and a pending
 * timer keeps Node's event loop (the process) up until it fires: the agent's SIGTERM stop ended
 * in milliseconds but the process exited only when its drain deadline's timer did, ~10 s later.
 * A rejection of `work` propagates.
 */
export async function settleWithin<T, U>(work: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, timer.signal).then(() => timedOut)]);
  } finally {
    timer.abort();
  }
}

/**
 * Runs `attempt` until it is `ok` or `fatal`, waiting between `retryable` outcomes. Returns the last
 * outcome: `retryable` means it gave up (attempts, deadline) or `signal` aborted. An attempt that
 * throws is a bug in the attempt, not an outcome: it propagates.
 */
export async function retry<T>(
  attempt: (attemptNumber: number, signal?: AbortSignal) => Promise<AttemptOutcome<T>>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
  env: RetryEnvironment = {},
): Promise<AttemptOutcome<T>> {
  const now = env.now ?? Date.now;
  const wait = env.sleep ?? sleep;
  const random = env.random ?? Math.random;
  const started = now();
  const maxAttempts = policy.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let n = 1; ; n++) {
    const outcome = await attempt(n, hooks.signal);
    if (outcome.kind !== 'retryable' || hooks.signal?.aborted || n >= maxAttempts) return outcome;
    const delayMs = retryDelayMs(n, policy, random, outcome.retryAfterMs, outcome.throttled);
    if (policy.deadlineMs !== undefined && now() + delayMs - started > policy.deadlineMs) return outcome;
    hooks.onRetry?.({ attempt: n, delayMs, error: outcome.error });
    await wait(delayMs, hooks.signal);
    if (hooks.signal?.aborted) return outcome;
  }
}

/** A sink or endpoint that cannot take anything now (down, overloaded, busy): retry the whole request later. */
export class UnavailableError extends Error {
  readonly code = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

/** Error codes of the network and the OS that mean "not now", not "never". */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EBUSY',
  'EAGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** HTTP statuses to retry: 408, 429 and the 5xx family (OTel retries 429, 502, 503, 504; 500 often is transient too). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * An error thrown by a client (fetch, a socket, a driver) as an outcome: `retryable` when it says
 * the other side is unavailable (connection refused or reset, timeouts, 408/429/5xx, busy), else
 * `undefined`: the caller decides what an unknown error means (usually: a bug, or a poison input).
 */
export function classifyError(error: unknown, nowMs: number = Date.now()): { kind: 'retryable'; error: Error; retryAfterMs?: number } | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const found = e as Error & { code?: unknown; status?: unknown; statusCode?: unknown; retryAfterMs?: unknown; headers?: unknown };
    const asError = error instanceof Error ? error : new Error(String(error));
    if (e instanceof UnavailableError) return { kind: 'retryable', error: asError, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
    if (typeof found.code === 'string' && RETRYABLE_CODES.has(found.code)) return { kind: 'retryable', error: asError };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { kind: 'retryable', error: asError };
    const status = typeof found.status === 'number' ? found.status : typeof found.statusCode === 'number' ? found.statusCode : undefined;
    if (status !== undefined && isRetryableStatus(status)) {
      const retryAfterMs = typeof found.retryAfterMs === 'number' ? found.retryAfterMs : retryAfterFromHeaders(found.headers, nowMs);
      return { kind: 'retryable', error: asError, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
  }
  return undefined;
}

function retryAfterFromHeaders(headers: unknown, nowMs: number): number | undefined {
  if (headers instanceof Headers) return parseRetryAfterMs(headers.get('retry-after'), nowMs);
  if (typeof headers === 'object' && headers !== null && Object.hasOwn(headers, 'retry-after')) {
    const value = (headers as Record<string, unknown>)['retry-after'];
    return typeof value === 'string' ? parseRetryAfterMs(value, nowMs) : undefined;
  }
  return undefined;
}
