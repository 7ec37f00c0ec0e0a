/**
 * @module The query API's edge: the search backends' results (camelCase, src/query/search-api.ts)
 * as the JSON of src/api/contract.ts (snake_case on the wire, as OpenSearch's). Every route that
 * sends aggregations or dead letters goes through here, so that no camelCase name leaks out.
 */
import type { AggregationResult as AggregationJson, DeadLetterInfo, HistogramBucket as HistogramBucketJson, SubTermsResult as SubTermsJson } from '../contract.js';
import { setOwn } from '../../core/own-keys.js';
import type { AggregationResult, HistogramBucket, SubTermsResult } from '../../query/search-api.js';

function subTermsJson(sub: SubTermsResult): SubTermsJson {
  return { type: 'terms', buckets: sub.buckets.map((b) => ({ key: b.key, count: b.count })), other_count: sub.otherCount };
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
      const extra = result as { calendarInterval?: string; timeZone?: string };
      return {
        type: 'date_histogram',
        interval_ms: result.intervalMs,
        ...(extra.calendarInterval !== undefined ? { calendar_interval: extra.calendarInterval } : {}),
        ...(extra.timeZone !== undefined ? { time_zone: extra.timeZone } : {}),
        buckets: result.buckets.map(bucketJson),
      };
    }
    case 'terms':
      return { type: 'terms', buckets: result.buckets.map((b) => ({ key: b.key, count: b.count })), other_count: result.otherCount, ...(result.missingCount !== undefined ? { missing_count: result.missingCount } : {}) };
    default:
      return { type: 'cardinality', value: result.value };
  }
}

export function aggregationsJson(results: Record<string, AggregationResult>): Record<string, AggregationJson> {
  const out: Record<string, AggregationJson> = {};
  for (const [name, result] of Object.entries(results)) setOwn(out, name, aggregationJson(result));
  return out;
}

/** A dead letter as the log store keeps it. */
export interface StoredDeadLetter {
  id: number;
  timeMs: number;
  destination: string;
  reason: string;
  logGroup: string;
  logStream: string;
  eventId: string;
  timestamp: number;
  message: string;
}

export function deadLetterJson(d: StoredDeadLetter): DeadLetterInfo {
  return { id: d.id, time_ms: d.timeMs, destination: d.destination, reason: d.reason, log_group: d.logGroup, log_stream: d.logStream, event_id: d.eventId, timestamp: d.timestamp, message: d.message };
}
