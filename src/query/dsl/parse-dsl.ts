/** @module The OpenSearch JSON Query DSL subset hidsmon accepts, to the shared query AST. */

import { err, ok, type Result } from '../../core/result.js';
import {
  boolNode,
  fixPureNegative,
  matchAll,
  matchNone,
  walk,
  wildcardPattern,
  type BoolNode,
  type QueryNode,
  type RangeNode,
} from '../ast.js';
import { parseQueryString } from '../lucene/parse.js';

export interface DslError {
  message: string;
  /** Where in the query object, e.g. `bool.must[1].term`; empty for the root. */
  path: string;
  /** For query_string syntax errors: 0-based offset in the query text. */
  position?: number;
  /** For query_string syntax errors: what to write instead. */
  hint?: string;
}

type Parsed = Result<QueryNode, DslError>;
type Json = Record<string, unknown>;

export const SUPPORTED_QUERY_TYPES = [
  'bool',
  'term',
  'terms',
  'match',
  'match_phrase',
  'range',
  'exists',
  'wildcard',
  'prefix',
  'query_string',
  'match_all',
  'match_none',
] as const;

/** Nesting limit for bool queries, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 100;
/** Options that only affect scoring or naming; accepted everywhere and ignored. */
const COSMETIC = ['boost', '_name'];

function fail(message: string, path: string): { ok: false; error: DslError } {
  return err({ message, path });
}

/** Parses one query object such as `{"bool": {"must": [{"term": {"rule.id": "5710"}}]}}`. */
export function parseDsl(query: unknown): Parsed {
  return parseQuery(query, '', 0);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function parseQuery(query: unknown, path: string, depth: number): Parsed {
  if (!isObject(query)) return fail(`Expected a query object such as {"match_all": {}}, got ${describeType(query)}`, path);
  const keys = Object.keys(query);
  const [type] = keys;
  if (type === undefined) return fail('Empty query object; it needs one query type such as {"match_all": {}}', path);
  if (keys.length > 1) return fail(`A query object holds exactly one query type, found ${keys.join(', ')}`, path);
  if (depth >= MAX_DEPTH) return fail(`Queries are nested too deeply (limit ${MAX_DEPTH})`, path);
  const body = query[type];
  const at = join(path, type);
  switch (type) {
    case 'bool':
      return parseBool(body, at, depth);
    case 'term':
      return parseTerm(body, at);
    case 'terms':
      return parseTerms(body, at);
    case 'match':
      return parseMatch(body, at);
    case 'match_phrase':
      return parseMatchPhrase(body, at);
    case 'range':
      return parseRange(body, at);
    case 'exists':
      return parseExists(body, at);
    case 'wildcard':
      return parseWildcardOrPrefix(body, at, 'wildcard');
    case 'prefix':
      return parseWildcardOrPrefix(body, at, 'prefix');
    case 'query_string':
      return parseQueryStringQuery(body, at);
    case 'match_all':
    case 'match_none': {
      const bad = checkKeys(body, [], at);
      if (bad) return bad;
      return ok(type === 'match_all' ? matchAll() : matchNone());
    }
    case 'query':
      return fail('"query" wraps a search body; pass the query object inside it', at);
    default:
      return fail(`Unknown query type "${type}"; supported: ${SUPPORTED_QUERY_TYPES.join(', ')}`, at);
  }
}

/** Rejects keys outside `allowed` (plus boost and _name), naming the ones that are supported. */
function checkKeys(body: unknown, allowed: string[], path: string): { ok: false; error: DslError } | null {
  if (!isObject(body)) return fail(`Expected an object, got ${describeType(body)}`, path);
  const all = [...allowed, ...COSMETIC];
  const unknown = Object.keys(body).find((k) => !all.includes(k));
  return unknown === undefined ? null : fail(`Unsupported option "${unknown}"; supported: ${all.join(', ')}`, path);
}

const BOOL_OCCURS = [
  ['must', 'must'],
  ['filter', 'filter'],
  ['should', 'should'],
  ['must_not', 'mustNot'],
] as const;

function parseBool(body: unknown, path: string, depth: number): Parsed {
  const bad = checkKeys(body, ['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'adjust_pure_negative'], path);
  if (bad) return bad;
  const spec = body as Json;
  const bool: BoolNode = boolNode();
  for (const [key, occur] of BOOL_OCCURS) {
    const clauses = spec[key];
    if (clauses === undefined) continue;
    const list = Array.isArray(clauses) ? clauses : [clauses];
    for (const [i, clause] of list.entries()) {
      const child = parseQuery(clause, Array.isArray(clauses) ? `${path}.${key}[${i}]` : `${path}.${key}`, depth + 1);
      if (!child.ok) return child;
      bool[occur].push(child.value);
    }
  }
  const adjust = spec['adjust_pure_negative'] ?? true;
  if (typeof adjust !== 'boolean') return fail('adjust_pure_negative must be true or false', path);
  const msm = spec['minimum_should_match'];
  if (msm !== undefined) {
    const count = minimumShouldMatch(msm, bool.should.length);
    if (count === null) {
      return fail('minimum_should_match must be a whole number or a percentage such as "75%"', `${path}.minimum_should_match`);
    }
    // OpenSearch only sets a positive count; 0 leaves the default behaviour.
    if (count > 0 && bool.should.length > 0) bool.minimumShouldMatch = count;
  }
  if (bool.must.length + bool.filter.length + bool.should.length + bool.mustNot.length === 0) return ok(matchAll());
  const pureNegative = bool.must.length + bool.filter.length + bool.should.length === 0;
  // Without the adjustment a purely negative Lucene BooleanQuery matches nothing.
  if (pureNegative && !adjust) return ok(matchNone());
  return ok(fixPureNegative(bool));
}

/**
 * OpenSearch's Queries.calculateMinShouldMatch for plain specs: `n`, `-n` (all but n), `p%`, `-p%`.
 * Conditional specs such as `3<90%` are not supported (null).
 */
function minimumShouldMatch(spec: unknown, optional: number): number | null {
  const text = typeof spec === 'number' ? String(spec) : typeof spec === 'string' ? spec.trim() : null;
  if (text === null) return null;
  let calc: number;
  const percent = /^(-?\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    // Java float arithmetic: (int) ((count * p) * (1 / 100f)).
    const f = Math.fround;
    calc = Math.trunc(f(f(optional * f(Number(percent[1]))) * f(1 / 100)));
  } else if (/^-?\d{1,9}$/.test(text)) {
    calc = Number(text);
  } else {
    return null;
  }
  const result = calc < 0 ? optional + calc : calc;
  return Math.max(0, result);
}

/**
 * Splits `{field: spec}` into its single field and spec. Options live inside spec, as in OpenSearch,
 * except for terms, whose boost and _name sit beside the field (`arrayField`: only arrays are fields).
 */
function singleField(body: unknown, path: string, arrayField = false): Result<{ field: string; spec: unknown }, DslError> {
  if (!isObject(body)) return fail(`Expected {"field": ...}, got ${describeType(body)}`, path);
  const fields = Object.keys(body).filter((k) => !arrayField || !COSMETIC.includes(k) || Array.isArray(body[k]));
  const [field] = fields;
  if (field === undefined) return fail('Missing the field to query', path);
  if (fields.length > 1) return fail(`Only one field per query, found ${fields.join(', ')}`, path);
  if (field === '') return fail('The field name is empty', path);
  return ok({ field, spec: body[field] });
}

/** Scalar JSON values as the text OpenSearch compares: numbers and booleans become strings. */
function scalar(value: unknown, path: string, what: string): Result<string, DslError> {
  if (typeof value === 'string') return ok(value);
  if (typeof value === 'number' || typeof value === 'boolean') return ok(String(value));
  return fail(`${what} must be a string, number or boolean, got ${describeType(value)}`, path);
}

/** The short form `{field: value}` or the long form `{field: {<key>: value, ...options}}`. */
function valueOf(
  spec: unknown,
  path: string,
  keys: string[],
  options: string[],
): Result<{ value: unknown; spec: Json }, DslError> {
  if (!isObject(spec)) return ok({ value: spec, spec: {} });
  const bad = checkKeys(spec, [...keys, ...options], path);
  if (bad) return bad;
  const key = keys.find((k) => spec[k] !== undefined);
  if (key === undefined) return fail(`Missing "${keys[0]}"`, path);
  return ok({ value: spec[key], spec });
}

function parseTerm(body: unknown, path: string): Parsed {
  const f = singleField(body, path);
  if (!f.ok) return f;
  const v = valueOf(f.value.spec, path, ['value'], ['case_insensitive']);
  if (!v.ok) return v;
  if (v.value.spec['case_insensitive'] === true) return fail('case_insensitive is not supported', path);
  const value = scalar(v.value.value, path, 'The term value');
  return value.ok ? ok({ kind: 'term', field: f.value.field, value: value.value, exact: true }) : value;
}

function parseTerms(body: unknown, path: string): Parsed {
  const f = singleField(body, path, true);
  if (!f.ok) return f;
  const list = f.value.spec;
  if (!Array.isArray(list)) return fail('terms takes an array of values; terms lookup is not supported', path);
  const values: string[] = [];
  for (const [i, item] of list.entries()) {
    const value = scalar(item, `${path}[${i}]`, 'Each terms value');
    if (!value.ok) return value;
    values.push(value.value);
  }
  // An empty terms query matches nothing.
  return ok(values.length === 0 ? matchNone() : { kind: 'terms', field: f.value.field, values });
}

function parseMatch(body: unknown, path: string): Parsed {
  const f = singleField(body, path);
  if (!f.ok) return f;
  const v = valueOf(f.value.spec, path, ['query'], ['operator']);
  if (!v.ok) return v;
  const query = scalar(v.value.value, path, 'The match query');
  if (!query.ok) return query;
  const operator = v.value.spec['operator'] ?? 'or';
  const op = typeof operator === 'string' ? operator.toLowerCase() : '';
  if (op !== 'or' && op !== 'and') return fail('operator must be "or" or "and"', path);
  return ok({ kind: 'match', field: f.value.field, query: query.value, operator: op });
}

function parseMatchPhrase(body: unknown, path: string): Parsed {
  const f = singleField(body, path);
  if (!f.ok) return f;
  const v = valueOf(f.value.spec, path, ['query'], ['slop']);
  if (!v.ok) return v;
  const text = scalar(v.value.value, path, 'The phrase');
  if (!text.ok) return text;
  const slop = v.value.spec['slop'] ?? 0;
  if (typeof slop !== 'number' || !Number.isInteger(slop) || slop < 0) return fail('slop must be a whole number >= 0', path);
  const { field } = f.value;
  return ok(slop > 0 ? { kind: 'phrase', field, value: text.value, slop } : { kind: 'phrase', field, value: text.value });
}

const RANGE_KEYS = ['gt', 'gte', 'lt', 'lte', 'from', 'to', 'include_lower', 'include_upper', 'format', 'time_zone', 'relation'];

/** OpenSearch's RangeQueryBuilder.fromXContent: keys apply in order, so a later bound replaces an earlier one. */
function parseRange(body: unknown, path: string): Parsed {
  const f = singleField(body, path);
  if (!f.ok) return f;
  const { field, spec } = f.value;
  const bad = checkKeys(spec, RANGE_KEYS, path);
  if (bad) return bad;
  let from: string | null = null;
  let to: string | null = null;
  let includeLower = true;
  let includeUpper = true;
  const node: RangeNode = { kind: 'range', field, exact: true };
  for (const [key, raw] of Object.entries(spec as Json)) {
    if (key === 'boost' || key === '_name') continue;
    if (key === 'include_lower' || key === 'include_upper') {
      if (typeof raw !== 'boolean') return fail(`${key} must be true or false`, path);
      if (key === 'include_lower') includeLower = raw;
      else includeUpper = raw;
      continue;
    }
    if (key === 'format' || key === 'time_zone') {
      if (typeof raw !== 'string') return fail(`${key} must be a string`, path);
      if (key === 'format') node.format = raw;
      else node.timeZone = raw;
      continue;
    }
    if (key === 'relation') {
      if (typeof raw !== 'string' || raw.toLowerCase() !== 'intersects') return fail('Only relation "intersects" is supported', path);
      continue;
    }
    const bound = raw === null ? ok(null) : scalar(raw, path, `The ${key} bound`);
    if (!bound.ok) return bound;
    if (key === 'from' || key === 'gt' || key === 'gte') from = bound.value;
    else to = bound.value;
    if (key === 'gt' || key === 'gte') includeLower = key === 'gte';
    if (key === 'lt' || key === 'lte') includeUpper = key === 'lte';
  }
  // Open at both ends: OpenSearch turns this into an exists query.
  if (from === null && to === null) return ok({ kind: 'exists', field });
  if (from !== null) node[includeLower ? 'gte' : 'gt'] = from;
  if (to !== null) node[includeUpper ? 'lte' : 'lt'] = to;
  return ok(node);
}

function parseExists(body: unknown, path: string): Parsed {
  const bad = checkKeys(body, ['field'], path);
  if (bad) return bad;
  const field = (body as Json)['field'];
  if (typeof field !== 'string' || field === '') return fail('exists needs a non-empty "field" string', path);
  return ok({ kind: 'exists', field });
}

function parseWildcardOrPrefix(body: unknown, path: string, kind: 'wildcard' | 'prefix'): Parsed {
  const f = singleField(body, path);
  if (!f.ok) return f;
  const keys = kind === 'wildcard' ? ['value', 'wildcard'] : ['value'];
  const v = valueOf(f.value.spec, path, keys, ['case_insensitive', 'rewrite']);
  if (!v.ok) return v;
  if (v.value.spec['case_insensitive'] === true) return fail('case_insensitive is not supported', path);
  const value = scalar(v.value.value, path, `The ${kind} value`);
  if (!value.ok) return value;
  const { field } = f.value;
  return ok(
    kind === 'wildcard' ? { kind, field, pattern: wildcardPattern(value.value), exact: true } : { kind, field, value: value.value },
  );
}

const QUERY_STRING_KEYS = ['query', 'default_operator', 'default_field', 'fields', 'time_zone', 'analyze_wildcard', 'lenient'];

function parseQueryStringQuery(body: unknown, path: string): Parsed {
  const bad = checkKeys(body, QUERY_STRING_KEYS, path);
  if (bad) return bad;
  const spec = body as Json;
  const text = spec['query'];
  if (typeof text !== 'string') return fail('query_string needs a "query" string', path);
  const op = spec['default_operator'] ?? 'OR';
  const operator = typeof op === 'string' ? op.toUpperCase() : '';
  if (operator !== 'OR' && operator !== 'AND') return fail('default_operator must be "OR" or "AND"', path);
  const field = defaultField(spec, path);
  if (!field.ok) return field;
  const timeZone = spec['time_zone'];
  if (timeZone !== undefined && typeof timeZone !== 'string') return fail('time_zone must be a string', path);
  // OpenSearch: a query of only whitespace (Java's trim: chars <= U+0020) matches no documents.
  if ([...text].every((c) => c <= ' ')) return ok(matchNone());
  const analyzeWildcard = spec['analyze_wildcard'] ?? false;
  if (typeof analyzeWildcard !== 'boolean') return fail('analyze_wildcard must be true or false', path);
  const parsed = parseQueryString(text, {
    defaultOperator: operator,
    analyzeWildcard,
    ...(field.value === undefined ? {} : { defaultField: field.value }),
  });
  if (!parsed.ok) {
    const { message, position, hint } = parsed.error;
    return err({ message: `${message} at position ${position}: ${hint}`, path: `${path}.query`, position, hint });
  }
  // The time zone applies to every date range the query string produces.
  if (timeZone !== undefined) {
    walk(parsed.value, (node) => {
      if (node.kind === 'range') node.timeZone = timeZone;
    });
  }
  return parsed;
}

/** `default_field`, or `fields` with a single entry (its `^boost` dropped); more than one is unsupported. */
function defaultField(spec: Json, path: string): Result<string | undefined, DslError> {
  const single = spec['default_field'];
  const fields = spec['fields'];
  if (single !== undefined && fields !== undefined) return fail('Use either default_field or fields, not both', path);
  if (single !== undefined) return typeof single === 'string' ? ok(single) : fail('default_field must be a string', path);
  if (fields === undefined) return ok(undefined);
  if (!Array.isArray(fields) || !fields.every((x) => typeof x === 'string')) return fail('fields must be an array of strings', path);
  if (fields.length > 1) return fail('Only one entry in fields is supported', path);
  const [first] = fields as string[];
  return ok(first === undefined ? undefined : first.replace(/\^\d+(\.\d+)?$/, ''));
}
