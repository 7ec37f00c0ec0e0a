/** @module DescribeLogStreams: by name, or by last event time, 50 a page. */
import type { LogStreamInfo } from '../../ingest/log-store.js';
import type { Action } from './action-context.js';
import { Constraints, LOG_STREAM_NAME, LOG_STREAM_NAME_TEXT } from './action-input.js';
import { logStreamArn, readLogGroup } from './arns.js';
import { invalidParameter, invalidToken, storeError } from './errors.js';
import { decodeOpaqueToken, encodeOpaqueToken, sequenceToken } from './tokens.js';

const TOKEN = 'DescribeLogStreams';
const ORDERS = ['LogStreamName', 'LastEventTime'] as const;

export const describeLogStreams: Action = async (input, context) => {
  const c = new Constraints();
  const group = readLogGroup(input, c);
  const prefix = input.string('logStreamNamePrefix');
  const orderBy = input.string('orderBy');
  const descending = input.boolean('descending') ?? false;
  const nextToken = input.string('nextToken');
  const limit = input.integer('limit', 'Integer');
  c.text('logStreamNamePrefix', prefix, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT });
  c.oneOf('orderBy', orderBy, ORDERS);
  c.nextToken('nextToken', nextToken);
  c.number('limit', limit, { min: 1, max: 50 });
  c.check();
  const name = group.resolve(context);
  const byTime = orderBy === 'LastEventTime';
  if (byTime && prefix !== undefined) throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  const listed = context.store.listLogStreams(name);
  if (!listed.ok) throw storeError(listed.error);

  const key = (s: LogStreamInfo): number => (byTime ? (s.lastEventTimestamp ?? 0) : 0);
  const compare = (a: { k: number; n: string }, b: { k: number; n: string }): number => {
    const order = a.k !== b.k ? a.k - b.k : a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
    return descending ? -order : order;
  };
  let streams = listed.value.filter((s) => prefix === undefined || s.name.startsWith(prefix));
  streams.sort((a, b) => compare({ k: key(a), n: a.name }, { k: key(b), n: b.name }));
  if (nextToken !== undefined) {
    const token = decodeOpaqueToken(TOKEN, nextToken, { n: 'string', t: 'number', o: 'string', d: 'boolean' });
    // A token continues the listing it came from; another order cannot resume from it.
    if (token.o !== (orderBy ?? 'LogStreamName') || token.d !== descending) throw invalidToken();
    streams = streams.filter((s) => compare({ k: key(s), n: s.name }, { k: token.t, n: token.n }) > 0);
  }
  const page = streams.slice(0, limit ?? 50);
  const output: { logStreams: object[]; nextToken?: string } = {
    logStreams: page.map((s) => ({
      logStreamName: s.name,
      creationTime: s.creationTime,
      ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
      ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
      ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
      uploadSequenceToken: sequenceToken(s.lastSequence ?? 0),
      arn: logStreamArn(context, name, s.name),
      // AWS has reported 0 here since 2019.
      storedBytes: 0,
    })),
  };
  const last = page[page.length - 1];
  if (last && streams.length > page.length) output.nextToken = encodeOpaqueToken(TOKEN, { n: last.name, t: key(last), o: orderBy ?? 'LogStreamName', d: descending });
  return output;
};
