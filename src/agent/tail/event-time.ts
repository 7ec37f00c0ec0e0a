/** @module A record's event time: the alert's own time as the shared parsers find it, else the read time. */
import { ownValue } from '../../core/own-keys.js';
import { isPlainObject } from '../../core/paths.js';
import { isValidTimeMs, parseIsoTime, timeOfAlertId } from '../../core/time.js';
import { parseAlert } from '../../transforms/parse-alert.js';
import { jsonAlertFlavor } from '../../transforms/parse-json-alert.js';
import { normalizeAlert } from '../../transforms/normalize.js';
import { scanAlertTimeFields, type AlertTimeFields } from './json-alert-scan.js';
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
 *
 * The fields come from a scan of the text (json-alert-scan.ts) rather than JSON.parse: an object
 * per line only to read two strings was most of the agent's garbage at 1,000 alerts/s. Where the
 * scan is not sure, JSON.parse decides.
 */
function jsonAlertTime(text: string, format: InputFormat): number | undefined {
  if (text.charCodeAt(0) !== 0x7b /* '{' */) return undefined;
  const fields = scanAlertTimeFields(text) ?? parsedAlertTimeFields(text);
  if (fields?.flavor === undefined || (format !== 'auto' && fields.flavor !== format)) return undefined;
  if (fields.flavor === 'wazuh-json' && fields.timestamp !== undefined) {
    const iso = parseIsoTime(fields.timestamp);
    if (iso !== undefined) return isValidTimeMs(iso) ? Math.trunc(iso) : undefined;
  }
  const fromId = fields.id !== undefined && fields.id !== '' ? timeOfAlertId(fields.id) : undefined;
  return fromId !== undefined && isValidTimeMs(fromId) ? Math.trunc(fromId) : undefined;
}

/** The same fields by JSON.parse and the shared flavor check: the reference the scan must equal. */
export function parsedAlertTimeFields(text: string): AlertTimeFields | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const flavor = jsonAlertFlavor(value);
  const timestamp = ownValue(value, 'timestamp');
  const id = ownValue(value, 'id');
  return { flavor: flavor.ok ? flavor.value : undefined, id: typeof id === 'string' ? id : undefined, timestamp: typeof timestamp === 'string' ? timestamp : undefined };
}
