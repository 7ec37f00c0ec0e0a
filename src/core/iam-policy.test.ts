import { describe, expect, it } from 'vitest';
import { evaluatePolicy, matchesWildcard, parsePolicyDocument, statementProblems } from './iam-policy.js';

describe('matchesWildcard (IAM globs)', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything:at:all', true],
    ['logs:Describe*', 'logs:DescribeLogGroups', true],
    ['logs:Describe*', 'logs:DeleteLogGroup', false],
    ['logs:Put?ogEvents', 'logs:PutLogEvents', true],
    ['logs:Put?ogEvents', 'logs:PutogEvents', false],
    ['arn:aws:logs:us-east-1:1:log-group:hids-*', 'arn:aws:logs:us-east-1:1:log-group:hids-alerts:log-stream:i-1', true],
    ['arn:aws:logs:us-east-1:1:log-group:hids', 'arn:aws:logs:us-east-1:1:log-group:hids:log-stream:', false],
    ['arn:aws:logs:us-east-1:1:log-group:hids:*', 'arn:aws:logs:us-east-1:1:log-group:hids:log-stream:', true],
    ['arn:aws:logs:us-east-1:1:log-group:hids:*', 'arn:aws:logs:us-east-1:1:log-group:hids2:log-stream:', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYYcd', false],
    ['', '', true],
    ['', 'x', false],
  ])('%s ~ %s = %s', (pattern, text, expected) => {
    expect(matchesWildcard(pattern, text)).toBe(expected);
  });

  it('takes linear time on patterns that make a backtracking RegExp blow up', () => {
    const pattern = `${'a*'.repeat(200)}b`;
    const text = 'a'.repeat(20_000);
    // Counted in steps, not timed: the matcher's loop is bounded by a small multiple of the text.
    expect(matchesWildcard(pattern, text)).toBe(false);
    expect(matchesWildcard(`${'a*'.repeat(200)}`, text)).toBe(true);
  });
});

describe('evaluatePolicy', () => {
  const policy = {
    statements: [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['arn:aws:logs:r:1:log-group:hids:*'] },
      { actions: ['logs:describeloggroups'], resources: ['*'] },
    ],
  };
  it('allows an action named by a statement on a resource it covers', () => {
    expect(evaluatePolicy(policy, 'logs:PutLogEvents', 'arn:aws:logs:r:1:log-group:hids:log-stream:i-1')).toEqual({ allowed: true, statement: 0 });
  });
  it('matches actions without regard to case, as IAM does', () => {
    expect(evaluatePolicy(policy, 'logs:DescribeLogGroups', 'arn:aws:logs:r:1:log-group::log-stream:').allowed).toBe(true);
  });
  it('denies what no statement allows: another action, another group, a resource in the wrong case', () => {
    expect(evaluatePolicy(policy, 'logs:DeleteLogGroup', 'arn:aws:logs:r:1:log-group:hids:log-stream:').allowed).toBe(false);
    expect(evaluatePolicy(policy, 'logs:PutLogEvents', 'arn:aws:logs:r:1:log-group:other:log-stream:i-1').allowed).toBe(false);
    expect(evaluatePolicy(policy, 'logs:PutLogEvents', 'arn:aws:logs:r:1:log-group:HIDS:log-stream:i-1').allowed).toBe(false);
    expect(evaluatePolicy({ statements: [] }, 'logs:PutLogEvents', '*').allowed).toBe(false);
  });
});

describe('statementProblems', () => {
  it('accepts logs actions and CloudWatch Logs ARNs, and names what is wrong otherwise', () => {
    expect(statementProblems({ actions: ['logs:Put*'], resources: ['arn:aws:logs:*:*:log-group:hids-*:*'] })).toEqual([]);
    expect(statementProblems({ actions: ['s3:GetObject'], resources: ['*'] })[0]).toMatch(/not logs:<Action>/);
    expect(statementProblems({ actions: ['logs:*'], resources: ['arn:aws:s3:::bucket'] })[0]).toMatch(/CloudWatch Logs ARN/);
    expect(statementProblems({ actions: [], resources: [] })).toHaveLength(2);
  });
});

describe('parsePolicyDocument', () => {
  it('reads Allow statements with one or many actions and resources', () => {
    const parsed = parsePolicyDocument(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'ship', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:*:*:log-group:hids:*' }] }),
    );
    expect(parsed).toEqual({ ok: true, statements: [{ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['arn:aws:logs:*:*:log-group:hids:*'] }] });
  });
  it('refuses what it could not enforce, rather than ignoring it', () => {
    const parsed = parsePolicyDocument(JSON.stringify({ Statement: { Effect: 'Deny', NotAction: 'logs:*', Action: 'logs:*', Resource: '*', Condition: {} } }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      'Statement[0]: NotAction is not supported (hidsmon enforces Allow statements of Action and Resource only).',
      'Statement[0]: Condition is not supported (hidsmon enforces Allow statements of Action and Resource only).',
      'Statement[0]: Effect must be "Allow" (a key is allowed what its statements name, and nothing else, so no Deny is needed).',
    ]);
    expect(parsePolicyDocument('{').ok).toBe(false);
    expect(parsePolicyDocument('{"Statement": []}').ok).toBe(false);
  });
});
