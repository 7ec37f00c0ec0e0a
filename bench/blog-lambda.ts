/**
 * @module BENCH ONLY, NOT PRODUCT CODE: a re-implementation, for comparison, of what the blog's
 * Lambda function does to a delivery before it sends it (opensearch reference §8, written from
 * that description, not copied): base64 → gunzip → JSON.parse; per log event the index name from
 * the event time (UTC parts, zero-padded by hand), the source as the JSON from the message's first
 * `{` (checked by parsing it once, then parsed again, as the blog's isValidJson/JSON.parse pair),
 * the `@id`, `@timestamp`, `@message`, `@owner`, `@log_group`, `@log_stream` fields, an `index`
 * action with `_id` = the event id, and all of it appended to one NDJSON string. Its signing and
 * its request are left out, as hidsmon's are: the bench measures transform-to-bulk-body.
 */
import { gunzipSync } from 'node:zlib';

interface BlogLogEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** The one `_bulk` body the blog's function would post for `event`. */
export function blogLambdaBulkBody(event: { awslogs: { data: string } }): string {
  // The blog decodes with the callback form of zlib.gunzip; the work is the same.
  const payload = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as { messageType: string; owner: string; logGroup: string; logStream: string; logEvents: BlogLogEvent[] };
  if (payload.messageType === 'CONTROL_MESSAGE') return '';
  let body = '';
  for (const logEvent of payload.logEvents) {
    const time = new Date(1 * logEvent.timestamp);
    const indexName = ['cwl-' + time.getUTCFullYear(), ('0' + (time.getUTCMonth() + 1)).slice(-2), ('0' + time.getUTCDate()).slice(-2)].join('.');
    const source = sourceOf(logEvent.message);
    source['@id'] = logEvent.id;
    source['@timestamp'] = new Date(1 * logEvent.timestamp).toISOString();
    source['@message'] = logEvent.message;
    source['@owner'] = payload.owner;
    source['@log_group'] = payload.logGroup;
    source['@log_stream'] = payload.logStream;
    const action = { index: { _index: indexName, _id: logEvent.id } };
    body += [JSON.stringify(action), JSON.stringify(source)].join('\n') + '\n';
  }
  return body;
}

function sourceOf(message: string): Record<string, unknown> {
  const start = message.indexOf('{');
  if (start < 0) return {};
  const json = message.substring(start);
  return isValidJson(json) ? (JSON.parse(json) as Record<string, unknown>) : {};
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
  } catch {
    return false;
  }
  return true;
}
