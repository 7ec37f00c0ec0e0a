/**
 * @module The hidsmon agent's heartbeat message (`{"hidsmon":{"heartbeat":true,...}}`), which
 * the server indexes as a document flagged `heartbeat` rather than `not_an_alert`: a host whose
 * last heartbeat is old is silent, one with recent heartbeats and no alerts is quiet.
 */
import type { JsonObject } from '../core/paths.js';

/** Every heartbeat message starts so (the agent writes it with JSON.stringify); alerts never do. */
export const HEARTBEAT_PREFIX = '{"hidsmon":';

/** The heartbeat's own fields (version, host, files, counters) when `message` is one; else undefined. Never throws. */
export function readHeartbeat(message: string): JsonObject | undefined {
  if (!message.startsWith(HEARTBEAT_PREFIX)) return undefined;
  try {
    const parsed = JSON.parse(message) as { hidsmon?: unknown };
    const body = parsed.hidsmon;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { heartbeat?: unknown }).heartbeat !== true) return undefined;
    return body as JsonObject;
  } catch {
    return undefined;
  }
}
