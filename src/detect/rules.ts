/**
 * @module Detection rules: a Lucene query plus a condition (threshold, spread, new term, silent
 * host), validated from a plain object (YAML or JSON) into a typed rule with its compiled matcher.
 * Problems carry the path of the offending key and, for the query, the offset of the offending
 * character, so that rule-yaml.ts and the API can point at them. Pure.
 */
import type { DetectionSeverity, RuleKind } from '../core/detection.js';
import { isPlainObject, type JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { parseLucene } from '../query/lucene/index.js';
import type { QueryNode } from '../query/ast.js';
import { compileMatcher, type DocumentMatcher } from './match.js';

export interface RuleBase {
  /** Stable: part of every detection id. Letters, digits, `.`, `_`, `-`. */
  id: string;
  name: string;
  description?: string;
  severity: DetectionSeverity;
  enabled: boolean;
  /** Lucene query text, as in Discover. */
  query: string;
}

export type RuleCondition =
  /** At least `count` matching alerts within `windowMs`, per value of `groupBy` (all alerts as one group when empty), across hosts. */
  | { kind: 'threshold'; count: number; windowMs: number; groupBy: string[] }
  /** One value of `groupBy` on at least `hosts` distinct `@log_stream`s within `windowMs`. */
  | { kind: 'spread'; hosts: number; windowMs: number; groupBy: string[] }
  /**
   * A value of `fields` not seen on that host in the last `historyMs`. A host's first `learningMs`
   * (event time, from its first matching alert) only learns: else every value would be new once.
   */
  | { kind: 'new_term'; fields: string[]; historyMs: number; learningMs: number }
  /** No matching document (alert or heartbeat) from a host for `afterMs` (wall clock). */
  | { kind: 'silent_host'; afterMs: number };

export type Rule = RuleBase & { condition: RuleCondition };

/** A validated rule with its parsed query and in-memory matcher. */
export interface CompiledRule {
  rule: Rule;
  ast: QueryNode;
  matches: DocumentMatcher;
}

export interface RuleProblem {
  message: string;
  /** Where in the rule: `condition.window`, `query`. */
  path: Array<string | number>;
  /** For a query problem: the 0-based offset in the query text. */
  queryPosition?: number;
}

export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'spread', 'new_term', 'silent_host'];
export const SEVERITIES: readonly DetectionSeverity[] = ['low', 'medium', 'high', 'critical'];

/** Limits that keep a rule's state and work per document bounded. */
export const RULE_LIMITS = {
  maxQueryChars: 4096,
  maxCount: 10_000,
  maxHosts: 10_000,
  maxGroupBy: 4,
  maxWindowMs: 7 * 86_400_000,
  maxHistoryMs: 90 * 86_400_000,
  minSilentMs: 10_000,
  maxSilentMs: 30 * 86_400_000,
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FIELD = /^[^\s*?"\\]{1,256}$/;

const COMMON_KEYS = ['id', 'name', 'description', 'severity', 'enabled', 'query', 'condition'];
const CONDITION_KEYS: Record<RuleKind, string[]> = {
  threshold: ['kind', 'count', 'window', 'group_by'],
  spread: ['kind', 'hosts', 'window', 'group_by'],
  new_term: ['kind', 'fields', 'history', 'learning'],
  silent_host: ['kind', 'after'],
};

/** A rule from a plain object (a YAML document's value, an API body), with every problem found. */
export function validateRuleObject(input: unknown): Result<CompiledRule, RuleProblem[]> {
  const problems: RuleProblem[] = [];
  const problem = (path: Array<string | number>, message: string, queryPosition?: number): void => {
    problems.push({ path, message, ...(queryPosition !== undefined ? { queryPosition } : {}) });
  };
  if (!isPlainObject(input)) return err([{ path: [], message: 'A rule is a mapping with id, name, severity, query and condition.' }]);
  for (const key of Object.keys(input)) if (!COMMON_KEYS.includes(key)) problem([key], `Unknown key ${JSON.stringify(key)}; a rule has ${COMMON_KEYS.join(', ')}.`);
  const text = (key: string, required: boolean, max = 256): string | undefined => {
    const v = own(input, key);
    if (v === undefined) {
      if (required) problem([key], `${key} is required.`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      problem([key], `${key} must be non-empty text.`);
      return undefined;
    }
    if (v.length > max) problem([key], `${key} is ${v.length} characters long; at most ${max}.`);
    return v;
  };
  const id = text('id', true, 128);
  if (id !== undefined && !ID.test(id)) problem(['id'], 'id: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128.');
  const name = text('name', true);
  const description = text('description', false, 2048);
  const severityValue = own(input, 'severity') ?? 'medium';
  const severity = SEVERITIES.includes(severityValue as DetectionSeverity) ? (severityValue as DetectionSeverity) : undefined;
  if (severity === undefined) problem(['severity'], `severity is one of ${SEVERITIES.join(', ')}.`);
  const enabledValue = own(input, 'enabled') ?? true;
  if (typeof enabledValue !== 'boolean') problem(['enabled'], 'enabled is true or false.');
  const queryValue = own(input, 'query') ?? '*';
  let ast: QueryNode | undefined;
  let matches: DocumentMatcher | undefined;
  if (typeof queryValue !== 'string') problem(['query'], 'query is Lucene query text, as in Discover (quote it in YAML).');
  else if (queryValue.length > RULE_LIMITS.maxQueryChars) problem(['query'], `query is ${queryValue.length} characters long; at most ${RULE_LIMITS.maxQueryChars}.`);
  else {
    const parsed = parseLucene(queryValue);
    if (!parsed.ok) problem(['query'], `${parsed.error.message} ${parsed.error.hint}`.trim(), parsed.error.position);
    else {
      const compiled = compileMatcher(parsed.value);
      if (!compiled.ok) problem(['query'], compiled.error.message);
      else {
        ast = parsed.value;
        matches = compiled.value;
      }
    }
  }
  const condition = validateCondition(own(input, 'condition'), problem);
  if (problems.length > 0 || !id || !name || !severity || !condition || !ast || !matches) return err(problems);
  const rule: Rule = { id, name, severity, enabled: enabledValue as boolean, query: queryValue as string, condition, ...(description !== undefined ? { description } : {}) };
  return ok({ rule, ast, matches });
}

function validateCondition(value: unknown, problem: (path: Array<string | number>, message: string) => void): RuleCondition | undefined {
  if (!isPlainObject(value)) {
    problem(['condition'], `condition is a mapping with a kind: ${RULE_KINDS.join(', ')}.`);
    return undefined;
  }
  const kind = own(value, 'kind');
  if (!RULE_KINDS.includes(kind as RuleKind)) {
    problem(['condition', 'kind'], `condition.kind is one of ${RULE_KINDS.join(', ')}.`);
    return undefined;
  }
  const k = kind as RuleKind;
  for (const key of Object.keys(value)) if (!CONDITION_KEYS[k].includes(key)) problem(['condition', key], `Unknown key ${JSON.stringify(key)} in a ${k} condition; it has ${CONDITION_KEYS[k].join(', ')}.`);
  const before = { n: 0 };
  const fail = (key: string, message: string): undefined => {
    before.n++;
    problem(['condition', key], message);
    return undefined;
  };
  const whole = (key: string, min: number, max: number): number | undefined => {
    const v = own(value, key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) return fail(key, `condition.${key} is a whole number from ${min} to ${max}.`);
    return v;
  };
  const duration = (key: string, min: number, max: number, fallback?: number): number | undefined => {
    const v = own(value, key);
    if (v === undefined && fallback !== undefined) return fallback;
    const ms = typeof v === 'string' ? parseRuleDuration(v) : undefined;
    if (ms === undefined) return fail(key, `condition.${key} is a duration such as 90s, 5m, 1h or 30d.`);
    if (ms < min || ms > max) return fail(key, `condition.${key} is from ${formatDuration(min)} to ${formatDuration(max)}.`);
    return ms;
  };
  const fields = (key: string, min: number): string[] | undefined => {
    const v = own(value, key);
    if (v === undefined && min === 0) return [];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length < min || list.length > RULE_LIMITS.maxGroupBy || !list.every((f) => typeof f === 'string' && FIELD.test(f))) {
      return fail(key, `condition.${key} is a list of ${min > 0 ? `1 to ${RULE_LIMITS.maxGroupBy}` : `at most ${RULE_LIMITS.maxGroupBy}`} field names (no spaces or patterns).`);
    }
    if (new Set(list).size !== list.length) return fail(key, `condition.${key} names a field twice.`);
    return list as string[];
  };
  switch (k) {
    case 'threshold': {
      const count = whole('count', 1, RULE_LIMITS.maxCount);
      const windowMs = duration('window', 1000, RULE_LIMITS.maxWindowMs);
      const groupBy = fields('group_by', 0);
      return before.n === 0 ? { kind: k, count: count as number, windowMs: windowMs as number, groupBy: groupBy as string[] } : undefined;
    }
    case 'spread': {
      const hosts = whole('hosts', 2, RULE_LIMITS.maxHosts);
      const windowMs = duration('window', 1000, RULE_LIMITS.maxWindowMs);
      const groupBy = fields('group_by', 1);
      if (groupBy?.includes('@log_stream')) return fail('group_by', 'condition.group_by of a spread rule cannot be @log_stream: it counts the hosts of each group.');
      return before.n === 0 ? { kind: k, hosts: hosts as number, windowMs: windowMs as number, groupBy: groupBy as string[] } : undefined;
    }
    case 'new_term': {
      const list = fields('fields', 1);
      const historyMs = duration('history', 60_000, RULE_LIMITS.maxHistoryMs);
      const learningMs = duration('learning', 0, RULE_LIMITS.maxHistoryMs, 0);
      return before.n === 0 ? { kind: k, fields: list as string[], historyMs: historyMs as number, learningMs: learningMs as number } : undefined;
    }
    case 'silent_host': {
      const afterMs = duration('after', RULE_LIMITS.minSilentMs, RULE_LIMITS.maxSilentMs);
      return before.n === 0 ? { kind: k, afterMs: afterMs as number } : undefined;
    }
  }
}

/** `500ms`, `90s`, `5m`, `1h`, `30d`, `2w`: a duration in a rule (a unit is required). */
export function parseRuleDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'ms'];
  const ms = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The rule as the plain object `validateRuleObject` reads (for YAML files and the API). */
export function ruleToObject(rule: Rule): JsonObject {
  const c = rule.condition;
  const condition: JsonObject =
    c.kind === 'threshold'
      ? { kind: c.kind, count: c.count, window: formatDuration(c.windowMs), ...(c.groupBy.length > 0 ? { group_by: c.groupBy } : {}) }
      : c.kind === 'spread'
        ? { kind: c.kind, hosts: c.hosts, window: formatDuration(c.windowMs), group_by: c.groupBy }
        : c.kind === 'new_term'
          ? { kind: c.kind, fields: c.fields, history: formatDuration(c.historyMs), ...(c.learningMs > 0 ? { learning: formatDuration(c.learningMs) } : {}) }
          : { kind: c.kind, after: formatDuration(c.afterMs) };
  return { id: rule.id, name: rule.name, ...(rule.description !== undefined ? { description: rule.description } : {}), severity: rule.severity, enabled: rule.enabled, query: rule.query, condition };
}

function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
