/**
 * @module The notification dispatcher: a detection in, one job per channel its routes name out,
 * throttled per rule and group (at most one notification per rule+group per `throttleMs`, the
 * rest counted as suppressed), a bounded queue and a worker per channel (a slow or failing channel
 * delays only itself), each attempt retried with the pipeline's backoff (pipeline/retry.ts) and
 * written to a log of attempts the API shows. `notify` never waits on I/O: the engine and indexing
 * call it and go on. A full queue drops the notification and counts it: the detection itself is
 * already stored, so nothing of the evidence is lost, only a message about it.
 */
import type { Detection, DetectionSeverity } from '../core/detection.js';
import { retry, type AttemptOutcome, type RetryEnvironment, type RetryPolicy } from '../pipeline/retry.js';
import type { ChannelKind, NotificationChannel } from './channel.js';

/** Which detections go to which channels; an absent filter matches every detection. */
export interface NotificationRoute {
  channels: string[];
  /** Rule ids; a trailing `*` matches a prefix (`ssh-*`). */
  rules?: string[];
  severities?: DetectionSeverity[];
}

export type AttemptResult = 'sent' | 'retrying' | 'failed' | 'suppressed' | 'dropped';

/** One line of the notifications log (and of the structured log). */
export interface NotificationAttempt {
  timeMs: number;
  channel: string;
  channelKind: ChannelKind;
  detectionId: string;
  ruleId: string;
  /** 1-based; 0 for a notification never tried (suppressed, dropped). */
  attempt: number;
  result: AttemptResult;
  error?: string;
  /** The wait before the next attempt (result `retrying`). */
  delayMs?: number;
  /** How long the attempt took. */
  durationMs?: number;
}

export type DispatchOutcome = { kind: 'queued'; channels: string[] } | { kind: 'suppressed'; untilMs: number } | { kind: 'unrouted' };

export type NotifyLog = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;

export interface DispatcherOptions {
  channels: readonly NotificationChannel[];
  routes: readonly NotificationRoute[];
  /** One notification per rule and group per this many ms (default 10 min); 0: no throttle. */
  throttleMs?: number;
  /** Jobs waiting per channel (default 1,000); beyond it a job is dropped and counted. */
  queueLimit?: number;
  /** Default: 6 attempts, 1 s doubling to 60 s, within 10 min. */
  retryPolicy?: RetryPolicy;
  /** One attempt's limit (default 15 s): a channel that hangs is cut off and retried. */
  attemptTimeoutMs?: number;
  /** Attempts kept for the API (default 500, newest). */
  historyLimit?: number;
  now?: () => number;
  retryEnvironment?: RetryEnvironment;
  log?: NotifyLog;
  /** Told of every attempt, e.g. to count it in metrics or write the audit log. */
  onAttempt?: (attempt: NotificationAttempt) => void;
}

export const DEFAULT_NOTIFY_RETRY: RetryPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, multiplier: 2, maxAttempts: 6, deadlineMs: 600_000, maxRetryAfterMs: 300_000 };
export const DEFAULT_THROTTLE_MS = 10 * 60_000;

export interface DispatcherStats {
  sent: number;
  failed: number;
  retried: number;
  suppressed: number;
  dropped: number;
  queued: number;
}

interface Lane {
  channel: NotificationChannel;
  queue: Detection[];
  running: boolean;
}

function routeMatches(route: NotificationRoute, detection: Detection): boolean {
  if (route.severities && !route.severities.includes(detection.rule.severity)) return false;
  if (route.rules && !route.rules.some((r) => (r.endsWith('*') ? detection.rule.id.startsWith(r.slice(0, -1)) : r === detection.rule.id))) return false;
  return true;
}

/** The throttle's key: rule and group, as JSON (field names and values are any text). */
export function throttleKey(detection: Detection): string {
  return JSON.stringify([detection.rule.id, detection.group.map((g) => [g.field, g.value])]);
}

export class NotificationDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly routes: readonly NotificationRoute[];
  private readonly throttleMs: number;
  private readonly queueLimit: number;
  private readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly historyLimit: number;
  private readonly now: () => number;
  private readonly history: NotificationAttempt[] = [];
  private readonly throttled = new Map<string, number>();
  private readonly closing = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly counts: Omit<DispatcherStats, 'queued'> = { sent: 0, failed: 0, retried: 0, suppressed: 0, dropped: 0 };

  constructor(private readonly options: DispatcherOptions) {
    for (const channel of options.channels) {
      if (this.lanes.has(channel.id)) throw new Error(`Two notification channels have the id "${channel.id}".`);
      this.lanes.set(channel.id, { channel, queue: [], running: false });
    }
    for (const route of options.routes) for (const id of route.channels) if (!this.lanes.has(id)) throw new Error(`A notification route names the channel "${id}", which is not configured.`);
    this.routes = options.routes;
    this.throttleMs = options.throttleMs ?? DEFAULT_THROTTLE_MS;
    this.queueLimit = options.queueLimit ?? 1000;
    this.policy = options.retryPolicy ?? DEFAULT_NOTIFY_RETRY;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 15_000;
    this.historyLimit = options.historyLimit ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** Routes, throttles and queues; returns at once. */
  notify(detection: Detection): DispatchOutcome {
    if (this.closing.signal.aborted) return { kind: 'unrouted' };
    const ids = new Set<string>();
    for (const route of this.routes) if (routeMatches(route, detection)) for (const id of route.channels) ids.add(id);
    if (ids.size === 0) return { kind: 'unrouted' };
    const now = this.now();
    const key = throttleKey(detection);
    const until = this.throttled.get(key);
    if (until !== undefined && until > now) {
      this.counts.suppressed++;
      for (const id of ids) this.record({ channel: id, detection, attempt: 0, result: 'suppressed' }, 'info', 'Notification suppressed: this rule and group were notified recently.', { untilMs: until });
      return { kind: 'suppressed', untilMs: until };
    }
    if (this.throttleMs > 0) {
      this.throttled.set(key, now + this.throttleMs);
      if (this.throttled.size > 10_000) for (const [k, t] of this.throttled) if (t <= now) this.throttled.delete(k);
    }
    const queued: string[] = [];
    for (const id of ids) {
      const lane = this.lanes.get(id)!;
      if (lane.queue.length >= this.queueLimit) {
        this.counts.dropped++;
        this.record({ channel: id, detection, attempt: 0, result: 'dropped', error: `The channel's queue is full (${this.queueLimit}); the detection is stored, this notification is not sent.` }, 'error', 'Notification dropped: channel queue full.');
        continue;
      }
      lane.queue.push(detection);
      queued.push(id);
      if (!lane.running) void this.drain(lane);
    }
    return { kind: 'queued', channels: queued };
  }

  /** The attempts log, newest first. */
  attempts(limit = this.historyLimit): NotificationAttempt[] {
    return this.history.slice(-limit).reverse();
  }

  stats(): DispatcherStats {
    let queued = 0;
    for (const lane of this.lanes.values()) queued += lane.queue.length + (lane.running ? 1 : 0);
    return { ...this.counts, queued };
  }

  /** Resolves once every queue is empty and no attempt is running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.stats().queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: in-flight attempts are aborted, queued jobs are not sent (the detections are stored). */
  async close(): Promise<void> {
    this.closing.abort(new Error('The notification dispatcher is closing.'));
    for (const lane of this.lanes.values()) lane.queue.length = 0;
    await Promise.all([...this.lanes.values()].map((l) => l.channel.close?.().catch(() => undefined)));
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      for (let detection = lane.queue.shift(); detection !== undefined; detection = lane.queue.shift()) {
        await this.deliver(lane.channel, detection);
        if (this.closing.signal.aborted) break;
      }
    } finally {
      lane.running = false;
      if (this.stats().queued === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async deliver(channel: NotificationChannel, detection: Detection): Promise<void> {
    let last: { n: number; startedMs: number; outcome: AttemptOutcome } | undefined;
    const outcome = await retry(
      async (n) => {
        const startedMs = this.now();
        const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.attemptTimeoutMs)]);
        let result: AttemptOutcome;
        try {
          result = await channel.send(detection, signal);
        } catch (e) {
          // A channel that throws has a bug; it is a failure of this notification, never of the caller.
          result = { kind: 'fatal', error: e instanceof Error ? e : new Error(String(e)) };
        }
        last = { n, startedMs, outcome: result };
        return result;
      },
      this.policy,
      {
        signal: this.closing.signal,
        onRetry: ({ attempt, delayMs, error }) => {
          this.counts.retried++;
          this.record({ channel: channel.id, detection, attempt, result: 'retrying', error: error.message, delayMs, durationMs: this.now() - (last?.startedMs ?? this.now()) }, 'warn', 'Notification attempt failed; retrying.');
        },
      },
      this.options.retryEnvironment,
    );
    const durationMs = this.now() - (last?.startedMs ?? this.now());
    if (outcome.kind === 'ok') {
      this.counts.sent++;
      this.record({ channel: channel.id, detection, attempt: last?.n ?? 1, result: 'sent', durationMs }, 'info', 'Notification sent.');
    } else {
      this.counts.failed++;
      this.record({ channel: channel.id, detection, attempt: last?.n ?? 1, result: 'failed', error: outcome.error.message, durationMs }, 'error', outcome.kind === 'fatal' ? 'Notification failed; not retried (fix the channel).' : 'Notification failed after its retries.');
    }
  }

  private record(
    entry: { channel: string; detection: Detection; attempt: number; result: AttemptResult; error?: string; delayMs?: number; durationMs?: number },
    level: 'info' | 'warn' | 'error',
    message: string,
    extra: Record<string, unknown> = {},
  ): void {
    const attempt: NotificationAttempt = {
      timeMs: this.now(),
      channel: entry.channel,
      channelKind: this.lanes.get(entry.channel)!.channel.kind,
      detectionId: entry.detection.id,
      ruleId: entry.detection.rule.id,
      attempt: entry.attempt,
      result: entry.result,
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      ...(entry.delayMs !== undefined ? { delayMs: entry.delayMs } : {}),
      ...(entry.durationMs !== undefined ? { durationMs: entry.durationMs } : {}),
    };
    this.history.push(attempt);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    this.options.log?.(level, { component: 'notify', channel: attempt.channel, channel_kind: attempt.channelKind, detection_id: attempt.detectionId, rule_id: attempt.ruleId, attempt: attempt.attempt, result: attempt.result, ...(attempt.error ? { error: attempt.error } : {}), ...(attempt.delayMs !== undefined ? { delay_ms: attempt.delayMs } : {}), ...(attempt.durationMs !== undefined ? { duration_ms: attempt.durationMs } : {}), ...extra }, message);
    this.options.onAttempt?.(attempt);
  }
}
