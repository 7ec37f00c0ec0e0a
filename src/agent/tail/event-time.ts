/** @module A record's event time: the alert's own time as the shared parsers find it, else the read time. */
import { isValidTimeMs } from '../../core/time.js';
import { parseAlert } from '../../transforms/parse-alert.js';
import { normalizeAlert } from '../../transforms/normalize.js';
import type { InputFormat } from './record-reader.js';

export function eventTimeOf(text: string, format: InputFormat, readTimeMs: number): number {
  if (format === 'raw') return readTimeMs;
  const parsed = parseAlert(text, format === 'auto' ? undefined : format);
  if (!parsed.ok) return readTimeMs;
  // The same mechanism as the forwarder's, so that the agent and the index agree on an alert's time.
  const timeMs = normalizeAlert(parsed.value).timeMs;
  return timeMs !== undefined && isValidTimeMs(timeMs) ? Math.trunc(timeMs) : readTimeMs;
}
