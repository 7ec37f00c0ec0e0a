/** @module A record's event time: the alert's own time as the shared parsers find it, else the read time. */
import { ownValue } from '../../core/own-keys.js';
import { isPlainObject } from '../../core/paths.js';
import { isValidTimeMs, parseIsoTime, timeOfAlertId } from '../../core/time.js';
import { parseAlert } from '../../transforms/parse-alert.js';
import { jsonAlertFlavor } from '../../transforms/parse-json-alert.js';
import { normalizeAlert } from '../../transforms/normalize.js';
import type { InputFormat } from './record-reader.js';

export function eventTimeOf(text: string, format: InputFormat, readTimeMs: number): number {
  if (format === 'raw') return readTimeMs;
  const fast = format === 'alerts-log' ? undefined : jsonAlertTime(text, format);
  if (fast !== undefined) return fast;
  const parsed = parseAlert(text, format === 'auto' ? undefined : format);
  if (!parsed.ok) return readTimeMs;
  // The same mechanism as the forwarder's, so that the agent and the index agree on an alert's time.
  const timeMs = normalizeAlert(parsed.value).timeMs;
  return timeMs !== undefined && isValidTimeMs(timeMs) ? Math.trunc(timeMs) : readTimeMs;
}

/**
 * The common case without normalizing the whole alert (most of the agent's CPU per record): a
 * JSON alert line whose time is its Wazuh ISO `timestamp` or its `<epoch>.<n>` id, the first two
 * sources normalize.ts's alertTime looks at, in its order (normalizing changes neither field when
 * it is a string). Anything else (a prefix, no such field, an invalid time) is undefined: the full
 * path decides. event-time.test.ts checks that both agree.
 */
function jsonAlertTime(text: string, format: InputFormat): number | undefined {
  if (text.charCodeAt(0) !== 0x7b /* '{' */) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const flavor = jsonAlertFlavor(value);
  if (!flavor.ok || (format !== 'auto' && flavor.value !== format)) return undefined;
  const timestamp = ownValue(value, 'timestamp');
  if (flavor.value === 'wazuh-json' && typeof timestamp === 'string') {
    const iso = parseIsoTime(timestamp);
    if (iso !== undefined) return isValidTimeMs(iso) ? Math.trunc(iso) : undefined;
  }
  const id = ownValue(value, 'id');
  const fromId = typeof id === 'string' && id !== '' ? timeOfAlertId(id) : undefined;
  return fromId !== undefined && isValidTimeMs(fromId) ? Math.trunc(fromId) : undefined;
}
