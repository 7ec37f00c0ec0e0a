/**
 * @module Rules as YAML text (a file under `<data>/rules/`, or an API body): one rule as a
 * mapping, or several as a list. Each problem says where, in 1-based line and column, including a
 * query syntax error's character inside the query. Pure.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import { err, ok, type Result } from '../core/result.js';
import { ruleToObject, validateRuleObject, type CompiledRule, type Rule, type RuleProblem } from './rules.js';

export interface LocatedProblem {
  message: string;
  /** `condition.window`, `[2].query`; empty for the whole text. */
  path: string;
  line: number;
  column: number;
}

/** What a YAML text held: its rules, or every problem (a text with one bad rule yields no rules). */
export function parseRulesYaml(text: string): Result<CompiledRule[], LocatedProblem[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const pos = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return err(doc.errors.map((e) => ({ message: e.message.split('\n')[0] as string, path: '', ...at(e.pos[0]) })));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    return err([{ message: `The YAML cannot be read: ${(e as Error).message}`, path: '', line: 1, column: 1 }]);
  }
  const list = Array.isArray(value) ? value : [value];
  const rules: CompiledRule[] = [];
  const problems: LocatedProblem[] = [];
  const ids = new Map<string, number>();
  list.forEach((item, i) => {
    const prefix: Array<string | number> = Array.isArray(value) ? [i] : [];
    const validated = validateRuleObject(item);
    if (!validated.ok) {
      for (const p of validated.error) problems.push(locate(doc.contents, [...prefix, ...p.path], p, at));
      return;
    }
    const id = validated.value.rule.id;
    if (ids.has(id)) problems.push(locate(doc.contents, [...prefix, 'id'], { message: `Rule id ${id} is used twice in this file.`, path: ['id'] }, at));
    ids.set(id, i);
    rules.push(validated.value);
  });
  return problems.length > 0 ? err(problems) : ok(rules);
}

/** One rule from an API body: YAML or JSON text, or an already parsed object. */
export function validateRule(input: string | object): Result<CompiledRule, LocatedProblem[]> {
  if (typeof input === 'string') {
    const parsed = parseRulesYaml(input);
    if (!parsed.ok) return parsed;
    if (parsed.value.length !== 1) return err([{ message: `Expected one rule, got ${parsed.value.length}.`, path: '', line: 1, column: 1 }]);
    return ok(parsed.value[0] as CompiledRule);
  }
  const validated = validateRuleObject(input);
  if (validated.ok) return validated;
  return err(validated.error.map((p) => ({ message: p.message, path: pathText(p.path), line: 0, column: p.queryPosition === undefined ? 0 : p.queryPosition + 1 })));
}

/** A rule as the YAML a file under `<data>/rules/` holds. */
export function ruleToYaml(rule: Rule): string {
  return stringify(ruleToObject(rule), { lineWidth: 0 });
}

function locate(root: unknown, path: Array<string | number>, problem: RuleProblem, at: (offset: number) => { line: number; column: number }): LocatedProblem {
  // The deepest node on the path that exists: an unknown or missing key points at its mapping.
  let node: unknown = root;
  let found: Node | undefined = isNode(root) ? root : undefined;
  let keyNode: Node | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      if (!pair) break;
      keyNode = isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
      if (isNode(node)) found = node;
      else break;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      if (isNode(node)) found = node;
      else break;
    } else break;
  }
  let offset = found?.range?.[0] ?? keyNode?.range?.[0] ?? 0;
  if (problem.queryPosition !== undefined && isScalar(found) && typeof found.value === 'string') {
    // Inside the query: after the opening quote of a quoted scalar. Exact for single-line queries
    // without escapes, which is how queries are written.
    const quoted = found.type === 'QUOTE_DOUBLE' || found.type === 'QUOTE_SINGLE';
    offset += (quoted ? 1 : 0) + problem.queryPosition;
  }
  return { message: problem.message, path: pathText(path), ...at(offset) };
}

function isNode(value: unknown): value is Node {
  return isMap(value) || isSeq(value) || isScalar(value);
}

function pathText(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
