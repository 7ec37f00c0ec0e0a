import { describe, expect, it } from 'vitest';
import { ActionInput } from './action-input.js';
import { authorize, policyOf, resourceOf } from './permissions.js';

const ACCOUNT = { owner: '123456789012', region: 'eu-west-1' };
const ARN = 'arn:aws:iam::123456789012:user/hidsmon/HIDSAGENT0000001';
const input = (o: object): ActionInput => ActionInput.parse(JSON.stringify(o));

describe('resourceOf: what AWS judges each action on', () => {
  it('a stream for stream actions, the group with an empty stream for group actions, no group for DescribeLogGroups', () => {
    expect(resourceOf('PutLogEvents', input({ logGroupName: 'hids', logStreamName: 'i-1' }), ACCOUNT)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:hids:log-stream:i-1');
    expect(resourceOf('PutSubscriptionFilter', input({ logGroupName: 'hids' }), ACCOUNT)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:hids:log-stream:');
    expect(resourceOf('DescribeLogGroups', input({ logGroupNamePrefix: 'hids' }), ACCOUNT)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group::log-stream:');
  });
  it('reads a log group identifier given as a name or as an ARN', () => {
    expect(resourceOf('DescribeLogStreams', input({ logGroupIdentifier: 'hids' }), ACCOUNT)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:hids:log-stream:');
    expect(resourceOf('GetLogEvents', input({ logGroupIdentifier: 'arn:aws:logs:us-west-2:999999999999:log-group:x:*', logStreamName: 's' }), ACCOUNT)).toBe('arn:aws:logs:us-west-2:999999999999:log-group:x:log-stream:s');
  });
  it('judges a request without a usable group name on no group', () => {
    expect(resourceOf('DeleteLogGroup', input({ logGroupName: 42 }), ACCOUNT)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group::log-stream:');
  });
});

describe('profiles', () => {
  const agent = policyOf({ profile: 'agent' }, ACCOUNT);
  const admin = policyOf({ profile: 'admin' }, ACCOUNT);
  const allowed = (policy: ReturnType<typeof policyOf>, op: string, o: object): boolean => authorize(policy, ARN, op, input(o), ACCOUNT).allowed;

  it('agent: creates, ships and describes, nothing else', () => {
    for (const op of ['CreateLogGroup', 'CreateLogStream', 'PutLogEvents', 'DescribeLogStreams', 'DescribeLogGroups']) expect(allowed(agent, op, { logGroupName: 'g', logStreamName: 's' })).toBe(true);
    for (const op of ['PutSubscriptionFilter', 'DeleteSubscriptionFilter', 'PutRetentionPolicy', 'DeleteRetentionPolicy', 'DeleteLogGroup', 'DeleteLogStream', 'GetLogEvents', 'FilterLogEvents', 'DescribeSubscriptionFilters', 'PutLogGroupDeletionProtection']) {
      expect(allowed(agent, op, { logGroupName: 'g', logStreamName: 's' })).toBe(false);
    }
  });
  it('admin: everything', () => {
    for (const op of ['PutSubscriptionFilter', 'DeleteLogGroup', 'GetLogEvents', 'FilterLogEvents']) expect(allowed(admin, op, { logGroupName: 'g', logStreamName: 's' })).toBe(true);
  });
  it('a key scoped to groups acts on them (names and globs) and on no other; it still lists groups, as AWS grants that only on *', () => {
    const scoped = policyOf({ profile: 'admin', logGroups: ['hids-alerts', 'web-*'] }, ACCOUNT);
    expect(allowed(scoped, 'PutRetentionPolicy', { logGroupName: 'hids-alerts' })).toBe(true);
    expect(allowed(scoped, 'PutLogEvents', { logGroupName: 'web-prod', logStreamName: 'i-1' })).toBe(true);
    expect(allowed(scoped, 'PutRetentionPolicy', { logGroupName: 'hids-alerts-2' })).toBe(false);
    expect(allowed(scoped, 'PutLogEvents', { logGroupName: 'other', logStreamName: 'i-1' })).toBe(false);
    expect(allowed(scoped, 'DescribeLogGroups', {})).toBe(true);
  });
  it('own statements replace the profile', () => {
    const own = policyOf({ statements: [{ actions: ['logs:Get*', 'logs:Filter*'], resources: ['arn:aws:logs:*:*:log-group:hids:*'] }] }, ACCOUNT);
    expect(allowed(own, 'GetLogEvents', { logGroupName: 'hids', logStreamName: 's' })).toBe(true);
    expect(allowed(own, 'PutLogEvents', { logGroupName: 'hids', logStreamName: 's' })).toBe(false);
  });
  it("refuses in AWS's words", () => {
    const d = authorize(agent, ARN, 'DeleteLogGroup', input({ logGroupName: 'hids' }), ACCOUNT);
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.error.code).toBe('AccessDeniedException');
    expect(d.error.status).toBe(400);
    expect(d.error.message).toBe(`User: ${ARN} is not authorized to perform: logs:DeleteLogGroup on resource: arn:aws:logs:eu-west-1:123456789012:log-group:hids:log-stream:`);
  });
});
