/** @module DescribeSubscriptionFilters: a group's filters by name. */
import type { Action } from './action-context.js';
import { Constraints, LOG_STREAM_NAME, LOG_STREAM_NAME_TEXT } from './action-input.js';
import { storeError } from './errors.js';
import { decodeOpaqueToken, encodeOpaqueToken } from './tokens.js';

const TOKEN = 'DescribeSubscriptionFilters';

export const describeSubscriptionFilters: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const prefix = input.string('filterNamePrefix');
  const nextToken = input.string('nextToken');
  const limit = input.integer('limit', 'Integer');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.text('filterNamePrefix', prefix, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT });
  c.nextToken('nextToken', nextToken);
  c.number('limit', limit, { min: 1, max: 50 });
  c.check();
  const after = nextToken === undefined ? undefined : decodeOpaqueToken(TOKEN, nextToken, { n: 'string' }).n;
  const listed = context.store.listSubscriptionFilters(group as string);
  if (!listed.ok) throw storeError(listed.error);
  const filters = listed.value.filter((f) => (prefix === undefined || f.name.startsWith(prefix)) && (after === undefined || f.name > after));
  const page = filters.slice(0, limit ?? 50);
  const output: { subscriptionFilters: object[]; nextToken?: string } = {
    subscriptionFilters: page.map((f) => ({
      filterName: f.name,
      logGroupName: f.logGroup,
      filterPattern: f.pattern,
      destinationArn: f.destinationArn,
      ...(f.roleArn !== undefined ? { roleArn: f.roleArn } : {}),
      distribution: f.distribution,
      applyOnTransformedLogs: false,
      creationTime: f.creationTime,
    })),
  };
  const last = page[page.length - 1];
  if (last && filters.length > page.length) output.nextToken = encodeOpaqueToken(TOKEN, { n: last.name });
  return output;
};
