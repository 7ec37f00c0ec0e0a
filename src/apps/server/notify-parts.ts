/**
 * @module The server's detections side as the API and the notifications see it: the durable
 * DetectionStore (`<data>/detections.duckdb`) and the notification dispatcher built from
 * `notifications:` once the server knows its own URL (for the Discover links). `notify` is what
 * the rule engine's `onDetection` hook calls: it never waits, and a detection made before the
 * server listens waits (bounded) for the dispatcher.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NotificationsView } from '../../api/detections/detections-api.js';
import type { Detection, DetectionStore } from '../../core/detection.js';
import { DuckDbDetectionStore } from '../../detect/detection-store.js';
import { buildNotifier } from '../../notify/build-notifier.js';
import type { NotificationDispatcher, NotificationAttempt } from '../../notify/dispatcher.js';
import type { NotificationSettings } from '../../notify/notify-config.js';
import type { Registry } from '../../telemetry/metrics.js';

export interface NotifyParts {
  store: DetectionStore;
  /** The attempts log and counts, for GET /api/notifications (empty until configured). */
  view: NotificationsView;
  /** Hands a new detection to the dispatcher (no-op without `notifications:`). */
  notify(detection: Detection): void;
  /** Builds the channels with the server's URL; call once it listens. */
  start(serverUrl: string): void;
  /** Told of every attempt as it ends (a bench times detection → notification sent with it); returns the unsubscribe. */
  onAttempt(listener: (attempt: NotificationAttempt) => void): () => void;
  /** The dispatcher once started (tests, benches: `idle()`, `attempts()`). */
  readonly dispatcher: NotificationDispatcher | undefined;
  close(): Promise<void>;
}

/** Detections made before the server listens, kept for the dispatcher (beyond: dropped and logged). */
const MAX_EARLY = 1000;

export async function openNotifyParts(options: { dataDir: string; settings: NotificationSettings | undefined; logger: Logger; registry: Registry; now: () => number }): Promise<NotifyParts> {
  // Files the channels need (an e-mail channel's CA) are read now, so that a missing one stops the
  // start with its name instead of failing once the server already listens.
  const files = new Map<string, string>();
  for (const c of options.settings?.channels ?? []) {
    if (c.type !== 'email' || c.caFile === undefined) continue;
    try {
      files.set(c.caFile, readFileSync(c.caFile, 'utf8'));
    } catch (e) {
      throw new Error(`notifications: channel ${c.id}: ca_file ${c.caFile} cannot be read (${(e as Error).message}).`, { cause: e });
    }
  }
  const store = await DuckDbDetectionStore.open({ path: join(options.dataDir, 'detections.duckdb'), now: options.now });
  const log = options.logger.child({ component: 'notify' });
  const attempts = options.registry.counter('hidsmon_notification_attempts_total', 'Notification attempts and notifications not tried, by channel kind and result (sent, retrying, failed, suppressed, dropped).', ['channel_kind', 'result']);
  let dispatcher: NotificationDispatcher | undefined;
  const early: Detection[] = [];
  let earlyDropped = 0;
  const listeners = new Set<(attempt: NotificationAttempt) => void>();
  return {
    store,
    get dispatcher() {
      return dispatcher;
    },
    view: {
      attempts: (limit?: number): NotificationAttempt[] => dispatcher?.attempts(limit) ?? [],
      stats: () => dispatcher?.stats() ?? { sent: 0, failed: 0, retried: 0, suppressed: 0, dropped: earlyDropped, queued: early.length },
    },
    onAttempt(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(detection) {
      if (!options.settings) return;
      if (dispatcher) dispatcher.notify(detection);
      else if (early.length < MAX_EARLY) early.push(detection);
      else if (earlyDropped++ === 0) log.error({ max: MAX_EARLY }, 'Detections made before the server listens are over the limit; their notifications are dropped (the detections are stored).');
    },
    start(serverUrl) {
      if (!options.settings || dispatcher) return;
      dispatcher = buildNotifier(
        options.settings,
        serverUrl,
        {
          now: options.now,
          log: (level, fields, message) => log[level](fields, message),
          onAttempt: (a) => {
            attempts.inc(1, { channel_kind: a.channelKind, result: a.result });
            for (const listener of listeners) listener(a);
          },
        },
        (path) => files.get(path) ?? readFileSync(path, 'utf8'),
      );
      log.info({ channels: options.settings.channels.map((c) => `${c.id} (${c.type})`), throttle_minutes: options.settings.throttleMinutes }, 'Notifications configured.');
      for (const d of early.splice(0)) dispatcher.notify(d);
    },
    async close() {
      await dispatcher?.close();
      await store.close();
    },
  };
}
