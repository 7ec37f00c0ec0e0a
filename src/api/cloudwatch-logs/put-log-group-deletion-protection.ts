/** @module PutLogGroupDeletionProtection: while on, DeleteLogGroup and DeleteLogStream are refused. */
import type { Action } from './action-context.js';
import { Constraints, LOG_GROUP_IDENTIFIER, LOG_GROUP_IDENTIFIER_TEXT } from './action-input.js';
import { logGroupFromIdentifier } from './arns.js';
import { storeError } from './errors.js';

export const putLogGroupDeletionProtection: Action = async (input, context) => {
  const identifier = input.string('logGroupIdentifier');
  const enabled = input.boolean('deletionProtectionEnabled');
  const c = new Constraints();
  c.text('logGroupIdentifier', identifier, { min: 1, max: 2048, pattern: LOG_GROUP_IDENTIFIER, patternText: LOG_GROUP_IDENTIFIER_TEXT, required: true });
  c.required('deletionProtectionEnabled', enabled);
  c.check();
  const done = await context.store.setDeletionProtection(logGroupFromIdentifier(context, identifier as string), enabled as boolean);
  if (!done.ok) throw storeError(done.error);
  return undefined;
};
