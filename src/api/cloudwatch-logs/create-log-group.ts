/** @module CreateLogGroup. */
import type { LogGroupClass } from '../../ingest/log-store.js';
import type { Action } from './action-context.js';
import { Constraints } from './action-input.js';
import { invalidParameter, storeError } from './errors.js';

export const LOG_GROUP_CLASSES: readonly LogGroupClass[] = ['STANDARD', 'INFREQUENT_ACCESS', 'ESSENTIALS', 'DELIVERY'];

export const createLogGroup: Action = async (input, context) => {
  const name = input.string('logGroupName');
  const kmsKeyId = input.string('kmsKeyId');
  const tags = input.stringMap('tags');
  const logGroupClass = input.string('logGroupClass');
  const deletionProtection = input.boolean('deletionProtectionEnabled');
  input.boolean('bearerTokenAuthenticationEnabled');
  const c = new Constraints();
  c.logGroupName('logGroupName', name);
  c.text('kmsKeyId', kmsKeyId, { max: 256 });
  c.tags('tags', tags);
  c.oneOf('logGroupClass', logGroupClass, LOG_GROUP_CLASSES);
  c.check();
  const groupName = name as string;
  if (groupName.startsWith('aws/')) throw invalidParameter("Log group names starting with 'aws/' are reserved for AWS services.");
  const created = await context.store.createLogGroup(groupName, {
    ...(logGroupClass !== undefined ? { logGroupClass: logGroupClass as LogGroupClass } : {}),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(deletionProtection !== undefined ? { deletionProtection } : {}),
  });
  if (!created.ok) throw storeError(created.error);
  return undefined;
};
