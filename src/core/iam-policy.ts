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

/**
 * An IAM policy document as an operator writes one (`{"Version": "2012-10-17", "Statement": [...]}`)
 * → Allow statements. What hidsmon cannot enforce is refused rather than ignored: Deny, NotAction,
 * NotResource, Condition and Principal would each make the key stronger than it reads.
 */
export function parsePolicyDocument(text: string): { ok: true; statements: PolicyStatement[] } | { ok: false; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`not valid JSON (${(e as Error).message}).`] };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, problems: ['a policy document is a JSON object with a Statement.'] };
  const raw = (doc as Record<string, unknown>)['Statement'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) return { ok: false, problems: ['the policy has no Statement.'] };
  const problems: string[] = [];
  const statements: PolicyStatement[] = [];
  for (const [i, s] of list.entries()) {
    const where = `Statement[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      problems.push(`${where} is not an object.`);
      continue;
    }
    const st = s as Record<string, unknown>;
    for (const key of Object.keys(st)) {
      if (['NotAction', 'NotResource', 'Condition', 'Principal', 'NotPrincipal'].includes(key)) problems.push(`${where}: ${key} is not supported (hidsmon enforces Allow statements of Action and Resource only).`);
      else if (!['Sid', 'Effect', 'Action', 'Resource'].includes(key)) problems.push(`${where}: unknown element ${JSON.stringify(key)}.`);
    }
    if (st['Effect'] !== 'Allow') problems.push(`${where}: Effect must be "Allow" (a key is allowed what its statements name, and nothing else, so no Deny is needed).`);
    const actions = typeof st['Action'] === 'string' ? [st['Action']] : st['Action'];
    const resources = typeof st['Resource'] === 'string' ? [st['Resource']] : st['Resource'];
    for (const p of statementProblems({ actions, resources })) problems.push(`${where}: ${p}`);
    if (problems.length === 0) statements.push({ actions: [...(actions as string[])], resources: [...(resources as string[])] });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, statements };
}
