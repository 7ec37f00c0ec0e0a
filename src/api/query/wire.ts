/**
 * @module The query API's edge: the search backends' results (camelCase, src/query/search-api.ts)
 * as the JSON of src/api/contract.ts (snake_case on the wire, as OpenSearch's). Every route that
 * sends aggregations or dead letters goes through here, so that no camelCase name leaks out.
 */
import type { AggregationResult as AggregationJson, DeadLetterInfo, HistogramBucket as HistogramBucketJson, SubTermsResult as SubTermsJson, TermsBucket as TermsBucketJson } from '../contract.js';
import { setOwn } from '../../core/own-keys.js';
import type { DeadLetter } from '../../ingest/log-types.js';
import type { AggregationResult, HistogramBucket, SubTermsResult, TermsBucket } from '../../query/search-api.js';

function termsBucketJson(b: TermsBucket): TermsBucketJson {
  return { key: b.key, count: b.count, ...(b.metrics ? { metrics: b.metrics } : {}) };
}

function subTermsJson(sub: SubTermsResult): SubTermsJson {
  return { type: 'terms', buckets: sub.buckets.map(termsBucketJson), other_count: sub.otherCount };
}

function bucketJson(bucket: HistogramBucket): HistogramBucketJson {
  const out: HistogramBucketJson = { key_ms: bucket.keyMs, count: bucket.count };
  if (bucket.aggregations) {
    const subs: Record<string, SubTermsJson> = {};
    // Names are the caller's: setOwn keeps `__proto__` a name.
    for (const [name, sub] of Object.entries(bucket.aggregations)) setOwn(subs, name, subTermsJson(sub));
    out.aggregations = subs;
  }
  return out;
}

export function aggregationJson(result: AggregationResult): AggregationJson {
  switch (result.type) {
    case 'date_histogram': {
      return {
        type: 'date_histogram',
        interval_ms: result.intervalMs,
        ...(result.calendarInterval !== undefined ? { calendar_interval: result.calendarInterval } : {}),
        ...(result.timeZone !== undefined ? { time_zone: result.timeZone } : {}),
        buckets: result.buckets.map(bucketJson),
      };
    }
    case 'terms':
      return { type: 'terms', buckets: result.buckets.map(termsBucketJson), other_count: result.otherCount, ...(result.missingCount !== undefined ? { missing_count: result.missingCount } : {}) };
    default:
      return { type: 'cardinality', value: result.value };
  }
}

export function aggregationsJson(results: Record<string, AggregationResult>): Record<string, AggregationJson> {
  const out: Record<string, AggregationJson> = {};
  for (const [name, result] of Object.entries(results)) setOwn(out, name, aggregationJson(result));
  return out;
}

export function deadLetterJson(d: DeadLetter): DeadLetterInfo {
  return { id: d.id, time_ms: d.timeMs, destination: d.destination, reason: d.reason, log_group: d.logGroup, log_stream: d.logStream, event_id: d.eventId, timestamp: d.timestamp, message: d.message };
}
