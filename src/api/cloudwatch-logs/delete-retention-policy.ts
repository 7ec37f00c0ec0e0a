/** @module DeleteRetentionPolicy: the group keeps its events for ever again. */
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { storeError } from './errors.js';

export const deleteRetentionPolicy: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.check();
  const done = await context.store.putRetentionPolicy(group as string, undefined);
  if (!done.ok) throw storeError(done.error);
  return undefined;
};
