/** @module DeleteLogGroup: the group with its streams, events and subscription filters. */
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { CloudWatchLogsError, storeError } from './errors.js';

export const deleteLogGroup: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.check();
  const info = context.store.getLogGroup(group as string);
  if (info?.deletionProtection) throw deletionProtected();
  const hadFilters = context.store.listSubscriptionFilters(group as string);
  const deleted = await context.store.deleteLogGroup(group as string);
  if (!deleted.ok) throw storeError(deleted.error);
  if (hadFilters.ok && hadFilters.value.length > 0) context.onSubscriptionChange?.();
  return undefined;
};

/** hidsmon's wording: AWS documents that deletion protection blocks deletions, not its message. */
export function deletionProtected(): CloudWatchLogsError {
  return new CloudWatchLogsError('ValidationException', 'The log group has deletion protection enabled. Turn it off with PutLogGroupDeletionProtection before deleting.');
}
