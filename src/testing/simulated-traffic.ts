/**
 * @module Simulated fleet traffic as indexed documents (the forwarder's own transform), for the
 * detection tests and bench: background only, or with the simulator's attack scenarios.
 */
import type { AlertFormat, IndexedDocument } from '../core/document.js';
import { FleetSimulator, type ScenarioName, type SimulatedAlert } from '../simulate/fleet-simulator.js';
import { renderAlert } from '../simulate/render.js';
import { documentFromLogEvent } from '../transforms/to-document.js';

export interface SimulatedTraffic {
  documents: IndexedDocument[];
  alerts: SimulatedAlert[];
  attackerIps: Record<string, string>;
  hosts: string[];
}

export function simulatedDocuments(options: { count: number; seed: number; hosts?: number; ratePerSec?: number; startMs?: number; scenarios?: readonly ScenarioName[]; attackShare?: number; format?: AlertFormat }): SimulatedTraffic {
  const simulator = new FleetSimulator({
    hosts: options.hosts ?? 4,
    seed: options.seed,
    ratePerSec: options.ratePerSec ?? 2,
    startMs: options.startMs ?? Date.UTC(2026, 11, 1, 9),
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
    ...(options.attackShare !== undefined ? { attackShare: options.attackShare } : {}),
  });
  const alerts: SimulatedAlert[] = [];
  const documents: IndexedDocument[] = [];
  for (let i = 0; i < options.count; i++) {
    const alert = simulator.next();
    alerts.push(alert);
    documents.push(
      documentFromLogEvent({
        eventId: `${alert.timeMs}-${i}`,
        timestampMs: alert.timeMs,
        message: renderAlert(alert, options.format ?? 'ossec-json'),
        owner: '123456789012',
        logGroup: 'hids-alerts',
        logStream: alert.host.instanceId,
      }),
    );
  }
  return { documents, alerts, attackerIps: simulator.attackerIps, hosts: simulator.hosts.map((h) => h.instanceId) };
}
