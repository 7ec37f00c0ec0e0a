/** @module DeleteSubscriptionFilter. */
import type { Action } from './action-context.js';
import { Constraints, LOG_STREAM_NAME, LOG_STREAM_NAME_TEXT } from './action-input.js';
import { storeError } from './errors.js';

export const deleteSubscriptionFilter: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const filterName = input.string('filterName');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.text('filterName', filterName, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT, required: true });
  c.check();
  const deleted = await context.store.deleteSubscriptionFilter(group as string, filterName as string);
  if (!deleted.ok) throw storeError(deleted.error);
  context.onSubscriptionChange?.();
  return undefined;
};
