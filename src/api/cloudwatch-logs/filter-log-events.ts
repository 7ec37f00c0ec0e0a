/** @module FilterLogEvents: a group's events (some streams, a time range, a filter pattern) in time order. */
import { compileFilterPattern, MAX_FILTER_PATTERN_LENGTH, requiredTerms } from '../../core/filter-pattern.js';
import type { Action } from './action-context.js';
import { Constraints, LOG_STREAM_NAME, LOG_STREAM_NAME_TEXT } from './action-input.js';
import { readLogGroup } from './arns.js';
import { invalidParameter, storeError } from './errors.js';
import { MAX_PAGE_BYTES } from './get-log-events.js';
import { decodeOpaqueToken, encodeOpaqueToken } from './tokens.js';

const TOKEN = 'FilterLogEvents';
/** Events read per call before a page is returned (possibly empty) with a token to go on. */
export const MAX_SCANNED_EVENTS = 100_000;
/** AWS refuses `startFromHead: false` with a start before this time. */
const DESCENDING_SINCE_MS = Date.UTC(2024, 0, 1);

export const filterLogEvents: Action = async (input, context) => {
  const c = new Constraints();
  const group = readLogGroup(input, c);
  const streams = input.stringList('logStreamNames');
  const prefix = input.string('logStreamNamePrefix');
  const startTime = input.integer('startTime');
  const endTime = input.integer('endTime');
  const pattern = input.string('filterPattern');
  const nextToken = input.string('nextToken');
  const limit = input.integer('limit', 'Integer');
  const startFromHead = input.boolean('startFromHead');
  input.boolean('interleaved');
  input.boolean('unmask');
  c.items('logStreamNames', streams, { min: 1, max: 100 });
  streams?.forEach((s, i) => c.logStreamName(`logStreamNames.${i + 1}.member`, s));
  c.text('logStreamNamePrefix', prefix, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT });
  c.number('startTime', startTime, { min: 0 });
  c.number('endTime', endTime, { min: 0 });
  c.text('filterPattern', pattern, { max: MAX_FILTER_PATTERN_LENGTH });
  c.nextToken('nextToken', nextToken);
  c.number('limit', limit, { min: 1, max: 10_000 });
  c.check();
  const name = group.resolve(context);
  if (streams !== undefined && prefix !== undefined) throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
  const token = nextToken === undefined ? undefined : decodeOpaqueToken(TOKEN, nextToken, { t: 'number', s: 'number', d: 'boolean' });
  // The token's direction wins over startFromHead, as AWS documents.
  const descending = token ? token.d : startFromHead === false;
  if (!token && descending && startTime !== undefined && startTime < DESCENDING_SINCE_MS) {
    throw invalidParameter('startFromHead false is supported only with a startTime on or after Jan 1, 2024 00:00:00 UTC.');
  }
  const compiled = compileFilterPattern(pattern ?? '');
  if (!compiled.ok) throw invalidParameter(`Invalid filter pattern: ${compiled.error.message}`);

  const page = await context.store.filterLogEvents({
    logGroup: name,
    ...(streams !== undefined ? { logStreams: streams } : {}),
    ...(prefix !== undefined ? { logStreamPrefix: prefix } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(pattern?.trim() ? { matcher: compiled.value, mustContain: requiredTerms(pattern) } : {}),
    ...(token ? { after: { timestamp: token.t, sequence: token.s } } : {}),
    descending,
    limit: limit ?? 10_000,
    maxBytes: MAX_PAGE_BYTES,
    maxScan: MAX_SCANNED_EVENTS,
  });
  if (!page.ok) throw storeError(page.error);
  const output: { events: object[]; searchedLogStreams: object[]; nextToken?: string } = {
    events: page.value.events.map((e) => ({ logStreamName: e.logStream, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId })),
    // Empty since 2020, as on AWS.
    searchedLogStreams: [],
  };
  if (page.value.next) output.nextToken = encodeOpaqueToken(TOKEN, { t: page.value.next.timestamp, s: page.value.next.sequence, d: descending });
  return output;
};
