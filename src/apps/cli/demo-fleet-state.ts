/** @module The demo's fleet identity in its data directory, so that `hidsmon demo --data DIR` continues an earlier run. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedHost } from '../../simulate/fleet-simulator.js';

/** What makes a demo fleet the same fleet: its hosts (ids, names, addresses) and the seed they came from. */
export interface DemoFleetState {
  version: 1;
  seed: number;
  hosts: SimulatedHost[];
  /** When the fleet was first made (epoch ms): its backfill ends there. */
  createdMs: number;
  /** Whether the two hours before createdMs were shipped; if a run stopped before, the next one ships them again (the same seed and times give the same alerts, which the index knows by id). */
  backfilled: boolean;
}

export type DemoFleetLoad =
  | { kind: 'new' }
  | { kind: 'continued'; state: DemoFleetState }
  | { kind: 'unreadable'; path: string; reason: string };

export function demoFleetFile(dataDir: string): string {
  return join(dataDir, 'demo', 'fleet.json');
}

/** The fleet an earlier run stored in `dataDir`, if any; a damaged file is named, not silently replaced. */
export function loadDemoFleet(dataDir: string): DemoFleetLoad {
  const path = demoFleetFile(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'new' };
    return { kind: 'unreadable', path, reason: (e as Error).message };
  }
  try {
    const state = JSON.parse(text) as Partial<DemoFleetState>;
    if (state.version !== 1 || !Number.isSafeInteger(state.seed) || !Number.isFinite(state.createdMs) || typeof state.backfilled !== 'boolean' || !Array.isArray(state.hosts) || state.hosts.length === 0) {
      return { kind: 'unreadable', path, reason: 'not a demo fleet of this version' };
    }
    for (const h of state.hosts) {
      if (typeof h?.instanceId !== 'string' || typeof h.hostname !== 'string' || typeof h.privateIp !== 'string') return { kind: 'unreadable', path, reason: 'a host without instanceId, hostname and privateIp' };
    }
    return { kind: 'continued', state: state as DemoFleetState };
  } catch (e) {
    return { kind: 'unreadable', path, reason: (e as Error).message };
  }
}

/** Stores the fleet atomically (temp file, fsync, rename): a crash leaves the old file or the new one. */
export function saveDemoFleet(dataDir: string, state: DemoFleetState): void {
  const path = demoFleetFile(dataDir);
  mkdirSync(join(dataDir, 'demo'), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
