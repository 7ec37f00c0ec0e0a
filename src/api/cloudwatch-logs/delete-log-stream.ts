/** @module DeleteLogStream: the stream and its events. */
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { deletionProtected } from './delete-log-group.js';
import { storeError } from './errors.js';

export const deleteLogStream: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const stream = input.string('logStreamName');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.logStreamName('logStreamName', stream);
  c.check();
  if (context.store.getLogGroup(group as string)?.deletionProtection) throw deletionProtected();
  const deleted = await context.store.deleteLogStream(group as string, stream as string);
  if (!deleted.ok) throw storeError(deleted.error);
  return undefined;
};
