/**
 * @module IAM-style permission policies, evaluated as IAM does for Allow statements: a request is
 * allowed when some statement names its action and its resource; anything not allowed is denied.
 * Actions match case-insensitively, resources case-sensitively; `*` matches any run of characters
 * (`:` included, as in IAM), `?` exactly one. Pure.
 */

export interface PolicyStatement {
  /** `logs:PutLogEvents`, `logs:Describe*`, `logs:*`, `*`. */
  actions: readonly string[];
  /** ARN patterns: `arn:aws:logs:us-east-1:123456789012:log-group:hids-alerts:*`, or `*`. */
  resources: readonly string[];
}

export interface Policy {
  statements: readonly PolicyStatement[];
}

/** Where a request matched: the statement that allowed it, by index. */
export type PolicyDecision = { allowed: true; statement: number } | { allowed: false };

export function evaluatePolicy(policy: Policy, action: string, resource: string): PolicyDecision {
  for (const [i, statement] of policy.statements.entries()) {
    if (!statement.actions.some((pattern) => matchesWildcard(pattern.toLowerCase(), action.toLowerCase()))) continue;
    if (statement.resources.some((pattern) => matchesWildcard(pattern, resource))) return { allowed: true, statement: i };
  }
  return { allowed: false };
}

/**
 * IAM's wildcard match in linear time: on a mismatch after a `*`, the star takes one more
 * character and matching resumes there (no backtracking beyond the last star, so `a*a*a*…b`
 * against a long text cannot blow up as a RegExp would).
 */
export function matchesWildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

const ACTION = /^(\*|logs:[A-Za-z*?]{1,128})$/;
const RESOURCE = /^(\*|arn:[a-z*?-]+:logs:[a-z0-9*?-]*:[0-9*?]*:[\x21-\x7e]{1,2048})$/;

/** Problems with a statement as an operator wrote it (empty when it is fine). */
export function statementProblems(statement: { actions?: unknown; resources?: unknown }): string[] {
  const problems: string[] = [];
  const actions = statement.actions;
  const resources = statement.resources;
  if (!Array.isArray(actions) || actions.length === 0) problems.push('a statement needs a non-empty list of actions, e.g. ["logs:PutLogEvents"].');
  else for (const a of actions) if (typeof a !== 'string' || !ACTION.test(a)) problems.push(`action ${JSON.stringify(a)} is not logs:<Action> (wildcards * and ? allowed) or *.`);
  if (!Array.isArray(resources) || resources.length === 0) problems.push('a statement needs a non-empty list of resources, e.g. ["arn:aws:logs:us-east-1:123456789012:log-group:hids-alerts:*"].');
  else for (const r of resources) if (typeof r !== 'string' || !RESOURCE.test(r)) problems.push(`resource ${JSON.stringify(r)} is not * or a CloudWatch Logs ARN (arn:aws:logs:<region>:<account>:log-group:<name>).`);
  return problems;
}
