/** @module CreateLogStream. */
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { storeError } from './errors.js';

export const createLogStream: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const stream = input.string('logStreamName');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.logStreamName('logStreamName', stream);
  c.check();
  const created = await context.store.createLogStream(group as string, stream as string);
  if (!created.ok) throw storeError(created.error);
  return undefined;
};
