/**
 * @module GetLogEvents: one stream in time order, a page at a time, with AWS-shaped `f/` and `b/`
 * tokens; the end is reached when the token sent comes back.
 */
import type { EventPosition } from '../../ingest/log-store.js';
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { readLogGroup } from './arns.js';
import { storeError } from './errors.js';
import { decodeEventToken, encodeEventToken } from './tokens.js';

/** A page holds up to 1 MB of messages (plus 26 bytes each), as AWS's does. */
export const MAX_PAGE_BYTES = 1_048_576;
const START: EventPosition = { timestamp: 0, sequence: 0 };

export const getLogEvents: Action = async (input, context) => {
  const c = new Constraints();
  const group = readLogGroup(input, c);
  const stream = input.string('logStreamName');
  const startTime = input.integer('startTime');
  const endTime = input.integer('endTime');
  const nextToken = input.string('nextToken');
  const limit = input.integer('limit', 'Integer');
  const startFromHead = input.boolean('startFromHead') ?? false;
  input.boolean('unmask');
  c.logStreamName('logStreamName', stream);
  c.number('startTime', startTime, { min: 0 });
  c.number('endTime', endTime, { min: 0 });
  c.nextToken('nextToken', nextToken);
  c.number('limit', limit, { min: 1, max: 10_000 });
  c.check();
  const name = group.resolve(context);
  const from = nextToken === undefined ? undefined : decodeEventToken(nextToken);
  const read = await context.store.getLogEvents({
    logGroup: name,
    logStream: stream as string,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(from ? { from } : {}),
    startFromHead,
    limit: limit ?? 10_000,
    maxBytes: MAX_PAGE_BYTES,
  });
  if (!read.ok) throw storeError(read.error);
  const events = read.value;
  const first = events[0];
  const last = events[events.length - 1];
  let nextForwardToken: string;
  let nextBackwardToken: string;
  if (first && last) {
    nextForwardToken = encodeEventToken('forward', last);
    nextBackwardToken = encodeEventToken('backward', first);
  } else {
    // Nothing more this way: the token sent comes back unchanged, which ends SDK paginators.
    const position = from?.position ?? START;
    nextForwardToken = from?.direction === 'forward' ? (nextToken as string) : encodeEventToken('forward', position);
    nextBackwardToken = from?.direction === 'backward' ? (nextToken as string) : encodeEventToken('backward', position);
  }
  return {
    events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
    nextForwardToken,
    nextBackwardToken,
  };
};
