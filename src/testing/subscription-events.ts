/**
 * @module Test and bench helper: CloudWatch Logs subscription events as Lambda receives them
 * (`{"awslogs":{"data": base64(gzip(JSON))}}`, made with node:zlib), from simulated alerts.
 */
import { gzipSync } from 'node:zlib';
import type { AlertFormat } from '../core/document.js';
import { cloudWatchEventId } from '../core/ids.js';
import { FleetSimulator } from '../simulate/fleet-simulator.js';
import { renderAlert } from '../simulate/render.js';

export interface SubscriptionLogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export interface SubscriptionEvent {
  awslogs: { data: string };
}

export interface DataMessageOptions {
  owner?: string;
  logGroup?: string;
  logStream?: string;
}

/** A DATA_MESSAGE payload of these events, encoded as CloudWatch Logs delivers it. */
export function subscriptionEvent(logEvents: readonly unknown[], options: DataMessageOptions = {}): SubscriptionEvent {
  return encodePayload({
    messageType: 'DATA_MESSAGE',
    owner: options.owner ?? '123456789012',
    logGroup: options.logGroup ?? 'hids-alerts',
    logStream: options.logStream ?? 'i-0e427a8594852eca2',
    subscriptionFilters: ['hids-alerts-to-opensearch'],
    logEvents,
  });
}

/** Any payload (a CONTROL_MESSAGE, something malformed), gzipped and base64-encoded. */
export function encodePayload(payload: unknown): SubscriptionEvent {
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

/** `count` simulated alerts of one host, rendered in `format`, as log events one second apart from `startMs`. */
export function simulatedLogEvents(count: number, options: { format?: AlertFormat; seed?: number; startMs?: number; scenarios?: boolean } = {}): SubscriptionLogEvent[] {
  const sim = new FleetSimulator({
    hosts: 1,
    seed: options.seed ?? 42,
    ratePerSec: 50,
    startMs: options.startMs ?? Date.UTC(2024, 2, 2),
    scenarios: options.scenarios === false ? [] : ['ssh-brute-force', 'port-scan'],
  });
  return Array.from({ length: count }, (_, i) => {
    const alert = sim.next();
    return { id: cloudWatchEventId(alert.timeMs, i), timestamp: alert.timeMs, message: renderAlert(alert, options.format ?? 'ossec-json').trimEnd() };
  });
}
