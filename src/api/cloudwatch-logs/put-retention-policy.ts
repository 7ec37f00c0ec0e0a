/** @module PutRetentionPolicy: events older than this many days are deleted by `LogStore.expireEvents`. */
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { storeError } from './errors.js';

export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const putRetentionPolicy: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const days = input.integer('retentionInDays', 'Integer');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.required('retentionInDays', days);
  c.oneOf('retentionInDays', days, RETENTION_DAYS);
  c.check();
  const done = await context.store.putRetentionPolicy(group as string, days as number);
  if (!done.ok) throw storeError(done.error);
  return undefined;
};
