/** @module The indexed document: the blog's field names, plus hidsmon's own metadata under `hidsmon`. */
import type { JsonObject } from './paths.js';

/** The alert formats hidsmon reads. */
export type AlertFormat = 'ossec-json' | 'wazuh-json' | 'alerts-log';
export const ALERT_FORMATS: readonly AlertFormat[] = ['ossec-json', 'wazuh-json', 'alerts-log'];

/**
 * Why a document needs a second look. A small fixed set, so that they can be counted and queried
 * (`hidsmon.flags:not_an_alert`).
 */
export type DocumentFlag =
  | 'not_an_alert' // the message did not parse as an alert; see hidsmon.parse_error
  | 'heartbeat' // the agent's liveness event, not an alert; its fields are under `heartbeat`
  | 'invalid_value' // a typed field held a value of the wrong type; the original is in hidsmon.invalid
  | 'ip_port_split' // an `ip:port` value was split into the ip field and its port field
  | 'message_prefix' // the alert JSON started after a prefix (kept in hidsmon.message_prefix)
  | 'reserved_field' // the alert had a field that clashes with an `@` or `hidsmon` field
  | 'time_zone_unknown'; // the alert time was written in local time without a zone and was read as UTC

/** hidsmon's metadata about how a document was made. */
export interface DocumentMeta {
  format?: AlertFormat;
  flags?: DocumentFlag[];
  parse_error?: string;
  message_prefix?: string;
  /** Originals of values that did not fit their field's type, at the same path. */
  invalid?: JsonObject;
}

/** The `@` fields the blog's Lambda adds to every document. */
export interface EnvelopeFields {
  '@id': string;
  '@timestamp': string;
  '@message': string;
  '@owner': string;
  '@log_group': string;
  '@log_stream': string;
}

/**
 * An indexed alert: envelope fields, the normalized alert fields, and `hidsmon` metadata. Its keys
 * are the alert's, any string at all (`constructor`, `__proto__` as an own key from JSON.parse):
 * code that reads or builds documents by field name goes through `own-keys.ts` or a `Map`.
 */
export type AlertDocument = EnvelopeFields & JsonObject & { hidsmon: DocumentMeta };

/** What a sink receives: the target daily index, the document id and the document. */
export interface IndexedDocument {
  index: string;
  id: string;
  document: AlertDocument;
}
