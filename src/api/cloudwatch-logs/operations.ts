/** @module The CloudWatch Logs operations hidsmon serves, by their `X-Amz-Target` name. */
import type { Action } from './action-context.js';
import { createLogGroup } from './create-log-group.js';
import { createLogStream } from './create-log-stream.js';
import { deleteLogGroup } from './delete-log-group.js';
import { deleteLogStream } from './delete-log-stream.js';
import { deleteRetentionPolicy } from './delete-retention-policy.js';
import { deleteSubscriptionFilter } from './delete-subscription-filter.js';
import { describeLogGroups } from './describe-log-groups.js';
import { describeLogStreams } from './describe-log-streams.js';
import { describeSubscriptionFilters } from './describe-subscription-filters.js';
import { filterLogEvents } from './filter-log-events.js';
import { getLogEvents } from './get-log-events.js';
import { putLogEvents } from './put-log-events.js';
import { putLogGroupDeletionProtection } from './put-log-group-deletion-protection.js';
import { putRetentionPolicy } from './put-retention-policy.js';
import { putSubscriptionFilter } from './put-subscription-filter.js';

export const TARGET_PREFIX = 'Logs_20140328.';

export const OPERATIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['CreateLogGroup', createLogGroup],
  ['CreateLogStream', createLogStream],
  ['DeleteLogGroup', deleteLogGroup],
  ['DeleteLogStream', deleteLogStream],
  ['DeleteRetentionPolicy', deleteRetentionPolicy],
  ['DeleteSubscriptionFilter', deleteSubscriptionFilter],
  ['DescribeLogGroups', describeLogGroups],
  ['DescribeLogStreams', describeLogStreams],
  ['DescribeSubscriptionFilters', describeSubscriptionFilters],
  ['FilterLogEvents', filterLogEvents],
  ['GetLogEvents', getLogEvents],
  ['PutLogEvents', putLogEvents],
  ['PutLogGroupDeletionProtection', putLogGroupDeletionProtection],
  ['PutRetentionPolicy', putRetentionPolicy],
  ['PutSubscriptionFilter', putSubscriptionFilter],
]);
