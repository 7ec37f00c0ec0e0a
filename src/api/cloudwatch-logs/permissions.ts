/**
 * @module What an access key may do on the CloudWatch Logs API: the built-in profiles, a key's
 * policy (profile or own statements, optionally scoped to log groups), the resource each action is
 * judged on (as AWS names it in AccessDeniedException), and that refusal in AWS's words.
 */
import type { AccessProfile } from '../../core/access-profiles.js';
import { evaluatePolicy, type Policy, type PolicyStatement } from '../../core/iam-policy.js';
import type { ActionInput } from './action-input.js';
import { parseLogGroupArn } from './arns.js';
import { CloudWatchLogsError } from './errors.js';

export { ACCESS_PROFILES, LOG_GROUP_GLOB, type AccessProfile } from '../../core/access-profiles.js';

/**
 * The blog's host role (CreateLogGroup, CreateLogStream, PutLogEvents, DescribeLogStreams) plus
 * DescribeLogGroups, which the CloudWatch agent calls for its retention check. Nothing that reads
 * events or changes what gets indexed: a compromised host can add alerts, not hide or read them.
 */
export const AGENT_ACTIONS: readonly string[] = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'];

export interface Account {
  owner: string;
  region: string;
}

/** What a key is allowed, as stored: a profile, or statements of its own; optionally only some log groups. */
export interface KeyPermissions {
  profile?: AccessProfile;
  /** Own statements (instead of a profile's). */
  statements?: readonly PolicyStatement[];
  /** Log group names or globs (`*`, `?`) the profile is limited to; none: every group. */
  logGroups?: readonly string[];
}


/**
 * A key's policy. A profile limited to log groups allows its actions on those groups and their
 * streams (`log-group:NAME` and `log-group:NAME:*`, as IAM policies write them); DescribeLogGroups
 * has no group, so AWS judges it on every group (`*`) and a scoped key keeps it on `*`: it lists
 * names only, and the CloudWatch agent needs it.
 */
export function policyOf(permissions: KeyPermissions, account: Account): Policy {
  if (permissions.statements && permissions.statements.length > 0) return { statements: permissions.statements };
  const actions = (permissions.profile ?? 'agent') === 'admin' ? ['logs:*'] : AGENT_ACTIONS;
  const groups = permissions.logGroups ?? [];
  if (groups.length === 0) return { statements: [{ actions, resources: ['*'] }] };
  const base = `arn:aws:logs:${account.region}:${account.owner}:log-group:`;
  return {
    statements: [
      { actions, resources: groups.flatMap((g) => [`${base}${g}`, `${base}${g}:*`]) },
      { actions: ['logs:DescribeLogGroups'], resources: ['*'] },
    ],
  };
}

/**
 * What each action is judged on, as AWS shows it: a stream's ARN for actions on one stream; for
 * actions on a group, the group's ARN with an empty stream (`log-group:NAME:log-stream:`, hence
 * IAM's `:*` suffix); DescribeLogGroups on no group at all (`log-group::log-stream:`).
 */
const RESOURCE_KIND: Readonly<Record<string, 'stream' | 'group' | 'account'>> = {
  CreateLogGroup: 'group',
  CreateLogStream: 'stream',
  DeleteLogGroup: 'group',
  DeleteLogStream: 'stream',
  DeleteRetentionPolicy: 'group',
  DeleteSubscriptionFilter: 'group',
  DescribeLogGroups: 'account',
  DescribeLogStreams: 'group',
  DescribeSubscriptionFilters: 'group',
  FilterLogEvents: 'group',
  GetLogEvents: 'stream',
  PutLogEvents: 'stream',
  PutLogGroupDeletionProtection: 'group',
  PutRetentionPolicy: 'group',
  PutSubscriptionFilter: 'group',
};

/**
 * The resource ARN an operation is authorized on. Read leniently from the input (a missing or
 * ill-typed name leaves it empty: such a request is judged on no group, so a scoped key is
 * refused before the action's own validation speaks).
 */
export function resourceOf(operation: string, input: ActionInput, account: Account): string {
  const kind = Object.hasOwn(RESOURCE_KIND, operation) ? RESOURCE_KIND[operation] : 'account';
  let region = account.region;
  let owner = account.owner;
  let group = '';
  if (kind !== 'account') {
    const name = lenientString(input, 'logGroupName');
    const identifier = lenientString(input, 'logGroupIdentifier');
    if (name !== undefined) group = name;
    else if (identifier !== undefined) {
      const arn = identifier.startsWith('arn:') ? parseLogGroupArn(identifier) : undefined;
      if (arn) ({ region, owner, name: group } = arn);
      else if (!identifier.startsWith('arn:')) group = identifier;
    }
  }
  const stream = kind === 'stream' ? (lenientString(input, 'logStreamName') ?? '') : '';
  return `arn:aws:logs:${region}:${owner}:log-group:${group}:log-stream:${stream}`;
}

function lenientString(input: ActionInput, name: string): string | undefined {
  try {
    return input.string(name);
  } catch {
    return undefined;
  }
}

export type Authorization = { allowed: true; action: string; resource: string } | { allowed: false; action: string; resource: string; error: CloudWatchLogsError };

/** Judges `logs:<operation>` for a key; a refusal carries AWS's AccessDeniedException. */
export function authorize(policy: Policy, principalArn: string, operation: string, input: ActionInput, account: Account): Authorization {
  const action = `logs:${operation}`;
  const resource = resourceOf(operation, input, account);
  if (evaluatePolicy(policy, action, resource).allowed) return { allowed: true, action, resource };
  return { allowed: false, action, resource, error: accessDenied(principalArn, action, resource) };
}

/** AWS's text: "User: <arn> is not authorized to perform: logs:<Action> on resource: <arn>", HTTP 400 in the Logs API. */
export function accessDenied(principalArn: string, action: string, resource: string): CloudWatchLogsError {
  return new CloudWatchLogsError('AccessDeniedException', `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`);
}

/** The ARN that stands for a hidsmon access key in refusals (an IAM user per key, under the path /hidsmon/). */
export function keyPrincipalArn(owner: string, keyId: string): string {
  return `arn:aws:iam::${owner}:user/hidsmon/${keyId}`;
}

/** What the credential store answers for an access key id: its secret (to verify the signature), who it is, and what it may do. */
export interface AccessKeyGrant {
  secret: string;
  principal: { kind: 'access-key'; id: string; arn: string };
  policy: Policy;
}
