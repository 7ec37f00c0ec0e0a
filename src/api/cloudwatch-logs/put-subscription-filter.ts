/** @module PutSubscriptionFilter: routes a log group to one of hidsmon's sinks; two per group, same name updates. */
import { compileFilterPattern, MAX_FILTER_PATTERN_LENGTH } from '../../core/filter-pattern.js';
import type { Distribution } from '../../ingest/log-store.js';
import type { Action } from './action-context.js';
import { Constraints, LOG_STREAM_NAME, LOG_STREAM_NAME_TEXT } from './action-input.js';
import { CloudWatchLogsError, GROUP_NOT_FOUND, invalidParameter, storeError } from './errors.js';
import { EMBEDDED_DESTINATION, isSubscriptionDestination, OPENSEARCH_DESTINATION, SUBSCRIPTION_DESTINATIONS } from './destinations.js';

const DISTRIBUTIONS: readonly Distribution[] = ['Random', 'ByLogStream'];

export const putSubscriptionFilter: Action = async (input, context) => {
  const group = input.string('logGroupName');
  const filterName = input.string('filterName');
  const pattern = input.string('filterPattern');
  const destinationArn = input.string('destinationArn');
  const roleArn = input.string('roleArn');
  const distribution = input.string('distribution');
  input.boolean('applyOnTransformedLogs');
  const fieldSelection = input.string('fieldSelectionCriteria');
  input.stringList('emitSystemFields');
  const c = new Constraints();
  c.logGroupName('logGroupName', group);
  c.text('filterName', filterName, { min: 1, max: 512, pattern: LOG_STREAM_NAME, patternText: LOG_STREAM_NAME_TEXT, required: true });
  c.text('filterPattern', pattern, { max: MAX_FILTER_PATTERN_LENGTH, required: true });
  c.text('destinationArn', destinationArn, { min: 1, required: true });
  c.text('roleArn', roleArn, { min: 1 });
  c.oneOf('distribution', distribution, DISTRIBUTIONS);
  c.text('fieldSelectionCriteria', fieldSelection, { max: 2000 });
  c.check();
  if (!context.store.getLogGroup(group as string)) throw new CloudWatchLogsError('ResourceNotFoundException', GROUP_NOT_FOUND);
  const compiled = compileFilterPattern(pattern as string);
  if (!compiled.ok) throw invalidParameter(`Invalid filter pattern: ${compiled.error.message}`);
  if (!isSubscriptionDestination(destinationArn as string)) {
    throw invalidParameter(`The destinationArn '${destinationArn}' is not supported: hidsmon delivers log groups to its own sinks. Use one of: ${SUBSCRIPTION_DESTINATIONS.join(', ')}.`);
  }
  // A destination this server has no sink for would take the events nowhere. AWS refuses a
  // destination it cannot deliver its test message to with InvalidParameterException.
  const available = context.destinations ?? [EMBEDDED_DESTINATION];
  if (!available.includes(destinationArn as string)) {
    const configure = destinationArn === OPENSEARCH_DESTINATION ? ' To send log groups to OpenSearch, configure its cluster: opensearch.url in hidsmon.yaml, $HIDSMON_OPENSEARCH_URL or hidsmon server --opensearch-url URL.' : '';
    throw invalidParameter(`Could not deliver test message to specified destination. This server has no sink for '${destinationArn}'; it has: ${available.join(', ')}.${configure}`);
  }
  const put = await context.store.putSubscriptionFilter(group as string, {
    name: filterName as string,
    pattern: pattern as string,
    destinationArn: destinationArn as string,
    ...(roleArn !== undefined ? { roleArn } : {}),
    distribution: (distribution as Distribution | undefined) ?? 'ByLogStream',
  });
  if (!put.ok) throw storeError(put.error);
  context.onSubscriptionChange?.();
  return undefined;
};
