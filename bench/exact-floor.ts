/**
 * @module BENCH ONLY, NOT PRODUCT CODE: the least any forwarder that writes hidsmon's documents must
 * do to a delivery, for the lambda bench's ceiling row: hidsmon's decode (base64, gunzip, one
 * JSON.parse of the payload), one JSON.parse per message, the six `@` fields, one JSON.stringify
 * per document and its action line. No normalization, no document ids, no checks, no slicing:
 * hidsmon's speed over the blog's cannot exceed this row's (JSON.parse and JSON.stringify are
 * native; the JavaScript that would replace either, measured, is slower: see the README).
 */
import { decodeSubscriptionEvent, type SubscriptionPayload } from '../src/transforms/transform-subscription.js';

/** One NDJSON body of the delivery's messages as parsed, each with the `@` fields. */
export function exactFloorBulkBody(event: unknown): string {
  const decoded = decodeSubscriptionEvent(event);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const payload: SubscriptionPayload = decoded.value;
  let body = '';
  for (const e of payload.logEvents as { id: string; timestamp: number; message: string }[]) {
    const doc = JSON.parse(e.message) as Record<string, unknown>;
    doc['@id'] = e.id;
    doc['@timestamp'] = new Date(e.timestamp).toISOString();
    doc['@message'] = e.message;
    doc['@owner'] = payload.owner;
    doc['@log_group'] = payload.logGroup;
    doc['@log_stream'] = payload.logStream;
    body += `{"create":{"_index":"cwl-x","_id":${JSON.stringify(e.id)}}}\n${JSON.stringify(doc)}\n`;
  }
  return body;
}
