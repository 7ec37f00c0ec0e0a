/** @module ARNs in AWS's shape for hidsmon's log groups and streams, and log group identifiers (name or ARN). */
import type { ActionInput } from './action-input.js';
import { Constraints, LOG_GROUP_IDENTIFIER, LOG_GROUP_IDENTIFIER_TEXT } from './action-input.js';
import { CloudWatchLogsError, GROUP_NOT_FOUND, invalidParameter } from './errors.js';

interface Account {
  owner: string;
  region: string;
}

/** `arn:aws:logs:<region>:<owner>:log-group:<name>` (the `logGroupArn` form, for identifiers and tagging). */
export function logGroupArn(account: Account, name: string): string {
  return `arn:aws:logs:${account.region}:${account.owner}:log-group:${name}`;
}

/** The `arn` form, ending in `:*` (for IAM policies). */
export function logGroupArnWildcard(account: Account, name: string): string {
  return `${logGroupArn(account, name)}:*`;
}

export function logStreamArn(account: Account, group: string, stream: string): string {
  return `${logGroupArn(account, group)}:log-stream:${stream}`;
}

const ARN = /^arn:[^:]+:logs:([^:]*):([^:]*):log-group:([^:]+)(?::\*)?$/;

/** The parts of a log group ARN (with or without `:*`), or undefined when it is not one. */
export function parseLogGroupArn(arn: string): { region: string; owner: string; name: string } | undefined {
  const m = ARN.exec(arn);
  return m ? { region: m[1] as string, owner: m[2] as string, name: m[3] as string } : undefined;
}

/**
 * The log group an identifier (name or ARN) points at; undefined for an ARN of another account or
 * region (a group hidsmon does not hold).
 */
export function logGroupNameOf(account: Account, identifier: string): string | undefined {
  if (!identifier.startsWith('arn:')) return identifier;
  const arn = parseLogGroupArn(identifier);
  if (!arn) throw invalidParameter(`The specified logGroupIdentifier '${identifier}' is not a log group name or ARN.`);
  return arn.region === account.region && arn.owner === account.owner ? arn.name : undefined;
}

/** As `logGroupNameOf`, with ResourceNotFoundException for other accounts' groups. */
export function logGroupFromIdentifier(account: Account, identifier: string): string {
  const name = logGroupNameOf(account, identifier);
  if (name === undefined) throw new CloudWatchLogsError('ResourceNotFoundException', GROUP_NOT_FOUND);
  return name;
}

/**
 * Reads `logGroupName` / `logGroupIdentifier` (exactly one), checking their constraints into
 * `constraints`; returns the group name once `constraints.check()` has passed.
 */
export function readLogGroup(input: ActionInput, constraints: Constraints): { resolve: (account: Account) => string } {
  const name = input.string('logGroupName');
  const identifier = input.string('logGroupIdentifier');
  constraints.logGroupName(input.at('logGroupName'), name, false);
  constraints.text(input.at('logGroupIdentifier'), identifier, { min: 1, max: 2048, pattern: LOG_GROUP_IDENTIFIER, patternText: LOG_GROUP_IDENTIFIER_TEXT });
  return {
    resolve(account) {
      // Wording of the first from moto, which mirrors AWS; of the second, hidsmon's own.
      if (name !== undefined && identifier !== undefined) throw new CloudWatchLogsError('ValidationException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
      if (name !== undefined) return name;
      if (identifier !== undefined) return logGroupFromIdentifier(account, identifier);
      throw invalidParameter('Either logGroupName or logGroupIdentifier must be specified.');
    },
  };
}
