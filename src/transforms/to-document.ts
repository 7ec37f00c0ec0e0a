/** @module One log event (a CloudWatch event, or a line read from a file) to the document the index holds. */
import type { AlertDocument, DocumentMeta, IndexedDocument } from '../core/document.js';
import type { JsonObject } from '../core/paths.js';
import { documentIdentity, type IdentitySource } from '../core/ids.js';
import { toIsoTimestamp } from '../core/time.js';
import { readHeartbeat } from './heartbeat.js';
import { parseAlert } from './parse-alert.js';
import { normalizeAlert, type NormalizedAlert } from './normalize.js';
import type { AlertParseError } from './parse-error.js';

/** A log event and where it came from: the `@` fields of the document. */
export interface LogEvent {
  /** CloudWatch event id (or a synthesized one for files). */
  eventId: string;
  /** Event time in epoch ms; it becomes `@timestamp` and picks the daily index. */
  timestampMs: number;
  message: string;
  owner: string;
  logGroup: string;
  logStream: string;
}

export interface DocumentOptions {
  /** Daily index prefix; the blog's is `cwl-`. */
  indexPrefix?: string;
}

/** A message read as an alert, or why it is not one. */
export type MessageReading = { ok: true; alert: NormalizedAlert } | { ok: false; error: AlertParseError };

/** Parses and normalizes a message of any supported format. Never throws. */
export function readMessage(message: string): MessageReading {
  const parsed = parseAlert(message);
  return parsed.ok ? { ok: true, alert: normalizeAlert(parsed.value) } : { ok: false, error: parsed.error };
}

/**
 * The document for an event. Never throws and never drops: a message that is not an alert becomes
 * a document with its `@` fields, `@message`, the flag `not_an_alert` and the parse error (or,
 * for the agent's heartbeat, the flag `heartbeat` and its fields under `heartbeat`).
 */
export function documentFromLogEvent(event: LogEvent, options: DocumentOptions = {}): IndexedDocument {
  return documentFromReading(event, readMessage(event.message), options);
}

/** As `documentFromLogEvent`, for a message already read (a file import picks the time from the alert first). */
export function documentFromReading(event: LogEvent, reading: MessageReading, options: DocumentOptions = {}): IndexedDocument {
  if (!reading.ok) {
    const heartbeat = readHeartbeat(event.message);
    if (heartbeat) {
      // Its fields go under `heartbeat`, never into `hidsmon`, so that a message cannot set our metadata.
      const document = withEnvelope({ heartbeat, hidsmon: { flags: ['heartbeat'] } }, event);
      const { index, id } = documentIdentity(identitySource(event), options.indexPrefix);
      return { index, id, document };
    }
    const { code, message, position } = reading.error;
    const document = withEnvelope({ hidsmon: { flags: ['not_an_alert'], parse_error: `${code}: ${message}${position === undefined ? '' : ` (at ${position})`}` } }, event);
    const { index, id } = documentIdentity(identitySource(event), options.indexPrefix);
    return { index, id, document };
  }
  const alert = reading.alert;
  // One literal, not a spread of identitySource's object (a copy and a second object per event).
  const source: IdentitySource = { logGroup: event.logGroup, logStream: event.logStream, eventId: event.eventId, eventTimeMs: event.timestampMs, alertId: alert.alertId, alertTimeMs: alert.timeMs };
  const { index, id } = documentIdentity(source, options.indexPrefix);
  // The alert's own object becomes the document: copying ~25 keys per event into a fresh object
  // cost a third of the transform's time. Key order carries no meaning in the index.
  return { index, id, document: withEnvelope(alert.fields, event) };
}

function identitySource(event: LogEvent): IdentitySource {
  return { logGroup: event.logGroup, logStream: event.logStream, eventId: event.eventId, eventTimeMs: event.timestampMs };
}

function withEnvelope(fields: JsonObject & { hidsmon: DocumentMeta }, event: LogEvent): AlertDocument {
  const doc = fields as AlertDocument;
  doc['@id'] = event.eventId;
  doc['@timestamp'] = toIsoTimestamp(event.timestampMs);
  doc['@message'] = event.message;
  doc['@owner'] = event.owner;
  doc['@log_group'] = event.logGroup;
  doc['@log_stream'] = event.logStream;
  return doc;
}
