/** @module DescribeLogGroups: ASCII order by name, 50 a page. */
import type { LogGroupInfo } from '../../ingest/log-store.js';
import type { Action, ActionContext } from './action-context.js';
import { Constraints, LOG_GROUP_IDENTIFIER, LOG_GROUP_IDENTIFIER_TEXT, LOG_GROUP_NAME, LOG_GROUP_NAME_TEXT, LOG_GROUP_PATTERN, LOG_GROUP_PATTERN_TEXT } from './action-input.js';
import { logGroupArn, logGroupArnWildcard, logGroupNameOf } from './arns.js';
import { LOG_GROUP_CLASSES } from './create-log-group.js';
import { invalidParameter } from './errors.js';
import { decodeOpaqueToken, encodeOpaqueToken } from './tokens.js';

const TOKEN = 'DescribeLogGroups';

export const describeLogGroups: Action = async (input, context) => {
  const prefix = input.string('logGroupNamePrefix');
  const pattern = input.string('logGroupNamePattern');
  const nextToken = input.string('nextToken');
  const limit = input.integer('limit', 'Integer');
  const logGroupClass = input.string('logGroupClass');
  const identifiers = input.stringList('logGroupIdentifiers');
  input.boolean('includeLinkedAccounts');
  input.stringList('accountIdentifiers');
  const c = new Constraints();
  c.text('logGroupNamePrefix', prefix, { min: 1, max: 512, pattern: LOG_GROUP_NAME, patternText: LOG_GROUP_NAME_TEXT });
  c.text('logGroupNamePattern', pattern, { max: 512, pattern: LOG_GROUP_PATTERN, patternText: LOG_GROUP_PATTERN_TEXT });
  c.nextToken('nextToken', nextToken);
  c.number('limit', limit, { min: 1, max: 50 });
  c.oneOf('logGroupClass', logGroupClass, LOG_GROUP_CLASSES);
  c.items('logGroupIdentifiers', identifiers, { min: 1, max: 50 });
  identifiers?.forEach((id, i) => c.text(`logGroupIdentifiers.${i + 1}.member`, id, { min: 1, max: 2048, pattern: LOG_GROUP_IDENTIFIER, patternText: LOG_GROUP_IDENTIFIER_TEXT }));
  c.check();
  if (prefix !== undefined && pattern !== undefined) throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  if (identifiers !== undefined && (prefix !== undefined || pattern !== undefined)) throw invalidParameter('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
  const after = nextToken === undefined ? undefined : decodeOpaqueToken(TOKEN, nextToken, { n: 'string' }).n;

  let groups = context.store.listLogGroups();
  if (identifiers !== undefined) {
    // Other accounts' ARNs match nothing.
    const names = new Set(identifiers.map((id) => logGroupNameOf(context, id)));
    groups = groups.filter((g) => names.has(g.name));
  }
  if (prefix !== undefined) groups = groups.filter((g) => g.name.startsWith(prefix));
  if (pattern !== undefined) groups = groups.filter((g) => g.name.includes(pattern));
  if (logGroupClass !== undefined) {
    // AWS: asking for INFREQUENT_ACCESS or ESSENTIALS returns both classes.
    const reduced = logGroupClass === 'INFREQUENT_ACCESS' || logGroupClass === 'ESSENTIALS';
    groups = groups.filter((g) => (reduced ? g.logGroupClass === 'INFREQUENT_ACCESS' || g.logGroupClass === 'ESSENTIALS' : g.logGroupClass === logGroupClass));
  }
  if (after !== undefined) groups = groups.filter((g) => g.name > after);
  const page = groups.slice(0, limit ?? 50);
  const output: { logGroups: object[]; nextToken?: string } = { logGroups: page.map((g) => (pattern !== undefined ? { logGroupName: g.name, creationTime: g.creationTime, arn: logGroupArnWildcard(context, g.name) } : logGroupOutput(context, g))) };
  const last = page[page.length - 1];
  if (last && groups.length > page.length) output.nextToken = encodeOpaqueToken(TOKEN, { n: last.name });
  return output;
};

export function logGroupOutput(context: ActionContext, g: LogGroupInfo): Record<string, unknown> {
  return {
    logGroupName: g.name,
    creationTime: g.creationTime,
    ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
    metricFilterCount: 0,
    arn: logGroupArnWildcard(context, g.name),
    storedBytes: g.storedBytes,
    ...(g.kmsKeyId !== undefined ? { kmsKeyId: g.kmsKeyId } : {}),
    logGroupClass: g.logGroupClass,
    logGroupArn: logGroupArn(context, g.name),
    deletionProtectionEnabled: g.deletionProtection,
  };
}
