/**
 * @module The agent's heartbeat: an event in the host's own stream every interval, so that the
 * server can tell a silent host (agent down, host gone) from a quiet one. Its message is JSON with
 * `hidsmon.heartbeat: true`; the server flags it `heartbeat` (not an alert) when it indexes it.
 */
import { readHeartbeat } from '../../transforms/heartbeat.js';
import type { AgentRecord } from '../record.js';


/** A heartbeat record at `nowMs`; `info` adds what the agent knows (version, host, files followed, counters). */
export function heartbeatRecord(nowMs: number, info: Record<string, unknown> = {}): AgentRecord {
  return { timestampMs: nowMs, message: JSON.stringify({ hidsmon: { ...info, heartbeat: true, time: new Date(nowMs).toISOString() } }) };
}

/** True for a message `heartbeatRecord` made: the server's own test (src/transforms/heartbeat.ts). */
export function isHeartbeatMessage(message: string): boolean {
  return readHeartbeat(message) !== undefined;
}
