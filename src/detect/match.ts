/**
 * @module The query AST as a predicate over one document in memory, for rules evaluated on the
 * stream. It follows the stores' semantics (query/compile/to-sql.ts, which follows OpenSearch with
 * the `cwl-*` mapping): keyword fields match exactly, text fields by standard-analyzer tokens,
 * numbers, dates and IPs by value, a field the document lacks matches nothing. Regular expressions,
 * fuzzy terms and field patterns are refused here (a rule runs on every document; the stores run
 * RE2 and an index scan for the first two, and resolve patterns against the index's fields):
 * validation says so with the clause's text.
 */
import { canonicalIp, cidrKeyRange, ipSortKey } from '../core/ip.js';
import { flattenPaths, getPath, isPlainObject, type JsonObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';
import { sloppyPhraseMatches } from '../query/analysis/sloppy-phrase.js';
import { booleanValue, dateValue, numberValue, prefixBody, QueryValueError } from '../query/query-values.js';
import { lowerCase, tokenizeStandard } from '../query/analysis/standard-tokenizer.js';
import { describeQuery, escapeForPattern, type QueryNode, type RangeNode } from '../query/ast.js';
import { DEFAULT_SEARCH_FIELDS, DYNAMIC_KEYWORD_IGNORE_ABOVE, dynamicFieldType, KEYWORD_SUBFIELD, schemaField, type FieldType } from '../query/fields.js';

/** A document as the matchers read it: field values and text tokens, each computed once per document. */
export class MatchDocument {
  private readonly valueCache = new Map<string, unknown[]>();
  private readonly tokenCache = new Map<string, string[][]>();
  private flat: Array<[string, unknown]> | undefined;

  constructor(readonly source: JsonObject) {}

  /** The field's leaf values (an array's items), without nulls. */
  values(field: string): unknown[] {
    let found = this.valueCache.get(field);
    if (found === undefined) {
      const value = getPath(this.source, field);
      found = value === undefined || value === null ? [] : Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
      this.valueCache.set(field, found);
    }
    return found;
  }

  /** Each string value's standard-analyzer tokens. */
  tokens(field: string): string[][] {
    let found = this.tokenCache.get(field);
    if (found === undefined) {
      found = this.values(field).filter((v): v is string => typeof v === 'string').map(tokenizeStandard);
      this.tokenCache.set(field, found);
    }
    return found;
  }

  /** Every leaf path, for field patterns (`rule.*`) and `exists` on an object. */
  paths(): Array<[string, unknown]> {
    this.flat ??= flattenPaths(this.source);
    return this.flat;
  }
}

export type DocumentMatcher = (doc: MatchDocument) => boolean;

export interface MatchCompileError {
  message: string;
  field?: string;
}

export interface MatchOptions {
  /** For date math (`now-1h`) in the query. */
  now?: () => number;
  /** The zone of date math in ranges that name none. */
  timeZone?: string;
}

/** A compile error thrown from deep inside; one class with the value readers' errors. */
const Fail = QueryValueError;

/**
 * What a compiled clause is: a constant, a predicate, or `none` — text that analyzed to no terms
 * (`".."`), which Lucene leaves out of its bool, and which alone matches nothing.
 */
type Compiled = { k: 'const'; v: boolean } | { k: 'none' } | { k: 'fn'; f: DocumentMatcher };
const TRUE: Compiled = { k: 'const', v: true };
const FALSE: Compiled = { k: 'const', v: false };
const NONE: Compiled = { k: 'none' };
const isQuery = (c: Compiled): boolean => c.k !== 'none';

/** Compiles a query to a document predicate, or says which clause cannot be evaluated in memory and why. */
export function compileMatcher(node: QueryNode, options: MatchOptions = {}): Result<DocumentMatcher, MatchCompileError> {
  try {
    const compiled = new Compiler(options).node(node);
    return ok(asFn(compiled.k === 'none' ? FALSE : compiled));
  } catch (e) {
    if (e instanceof Fail) return err(e.error);
    throw e;
  }
}

function asFn(c: Compiled): DocumentMatcher {
  if (c.k === 'fn') return c.f;
  const v = c.k === 'const' && c.v;
  return () => v;
}

function and(parts: Compiled[]): Compiled {
  if (parts.some((p) => p.k === 'const' && !p.v)) return FALSE;
  const fns = parts.filter((p): p is { k: 'fn'; f: DocumentMatcher } => p.k === 'fn').map((p) => p.f);
  if (fns.length === 0) return TRUE;
  if (fns.length === 1) return { k: 'fn', f: fns[0] as DocumentMatcher };
  return { k: 'fn', f: (d) => fns.every((f) => f(d)) };
}

function or(parts: Compiled[]): Compiled {
  if (parts.some((p) => p.k === 'const' && p.v)) return TRUE;
  const fns = parts.filter((p): p is { k: 'fn'; f: DocumentMatcher } => p.k === 'fn').map((p) => p.f);
  if (fns.length === 0) return FALSE;
  if (fns.length === 1) return { k: 'fn', f: fns[0] as DocumentMatcher };
  return { k: 'fn', f: (d) => fns.some((f) => f(d)) };
}

function not(c: Compiled): Compiled {
  if (c.k === 'const') return c.v ? FALSE : TRUE;
  const f = asFn(c);
  return { k: 'fn', f: (d) => !f(d) };
}

/** A field as a leaf reads it: where its values come from, its type, and its indexing limit. */
interface FieldView {
  name: string;
  /** The path the values are read from (a `.keyword` sub-field reads its text field's values). */
  path: string;
  type: FieldType;
  ignoreAbove?: number;
}

class Compiler {
  constructor(private readonly options: MatchOptions) {}

  node(node: QueryNode): Compiled {
    switch (node.kind) {
      case 'match_all':
        return TRUE;
      case 'match_none':
        return FALSE;
      case 'bool':
        return this.bool(node);
      case 'regexp':
      case 'fuzzy':
        throw new Fail({ message: `${describeQuery(node)}: rules cannot use ${node.kind === 'regexp' ? 'regular expressions' : 'fuzzy terms (~)'}; use terms, phrases, wildcards or ranges.`, ...(node.field ? { field: node.field } : {}) });
      case 'exists':
        return this.exists(node.field);
      default:
        return this.leaf(node);
    }
  }

  private bool(node: Extract<QueryNode, { kind: 'bool' }>): Compiled {
    const required = [...node.must, ...node.filter].map((n) => this.node(n)).filter(isQuery);
    const excluded = node.mustNot.map((n) => this.node(n)).filter(isQuery).map(not);
    const parts = [...required, ...excluded];
    const minimum = node.minimumShouldMatch ?? (required.length === 0 && node.should.length > 0 ? 1 : 0);
    if (minimum > node.should.length) return FALSE;
    if (minimum === 1) {
      const should = node.should.map((n) => this.node(n)).filter(isQuery);
      if (should.length > 0) parts.push(or(should));
      else if (node.minimumShouldMatch !== undefined) return FALSE;
    } else if (minimum > 0) {
      const should = node.should.map((n) => this.node(n)).filter(isQuery);
      if (minimum > should.length) return FALSE;
      const fns = should.map(asFn);
      parts.push({ k: 'fn', f: (d) => fns.reduce((n, f) => n + (f(d) ? 1 : 0), 0) >= minimum });
    } else {
      // Optional clauses with a required one score but do not filter; compiled only for their errors.
      node.should.forEach((n) => this.node(n));
    }
    if (parts.length > 0) return and(parts);
    return node.must.length + node.filter.length + node.should.length + node.mustNot.length === 0 ? TRUE : NONE;
  }

  private exists(name: string): Compiled {
    if (name.includes('*')) throw patternRefused(name);
    const view = staticView(name);
    return {
      k: 'fn',
      f: (d) => {
        const field = view ?? dynamicView(name, d);
        if (field) return d.values(field.path).some((v) => visible(field, v));
        // exists on an object (`syscheck`) is true when any field under it exists.
        const value = getPath(d.source, name);
        return isPlainObject(value) && flattenPaths(value).some(([, v]) => present(v));
      },
    };
  }

  /** A leaf on one field, a field pattern, or the default fields: true when it holds on any of them. */
  private leaf(node: QueryNode): Compiled {
    const name = 'field' in node ? node.field : null;
    if (name === null) {
      const parts = DEFAULT_SEARCH_FIELDS.map((f) => this.onField(node, { name: f, path: f, type: 'text' }));
      const queries = parts.filter(isQuery);
      return queries.length === 0 ? NONE : or(queries);
    }
    if (name.includes('*')) throw patternRefused(name);
    const view = staticView(name);
    if (view) return this.onField(node, view);
    // A field the schema does not type: its type is the value's, as dynamic mapping gives it.
    const byType = new Map<FieldType, DocumentMatcher>();
    return {
      k: 'fn',
      f: (d) => {
        const field = dynamicView(name, d);
        if (!field) return false;
        let f = byType.get(field.type);
        if (f === undefined) {
          f = this.safely(node, field);
          byType.set(field.type, f);
        }
        return f(d);
      },
    };
  }

  private onField(node: QueryNode, field: FieldView): Compiled {
    return this.predicate(node, field);
  }

  /**
   * The clause on a field whose type only a document tells (a dynamic field, a pattern's match):
   * where the query's value does not fit that type, the stores fail the whole query; a rule
   * validated before cannot, so that document simply does not match.
   */
  private safely(node: QueryNode, field: FieldView): DocumentMatcher {
    try {
      const c = this.onField(node, field);
      return c.k === 'none' ? () => false : asFn(c);
    } catch (e) {
      if (e instanceof Fail) return () => false;
      throw e;
    }
  }

  /** The clause on one field of a known type. */
  private predicate(node: QueryNode, field: FieldView): Compiled {
    const any = (test: (v: unknown) => boolean): Compiled => ({ k: 'fn', f: (d) => d.values(field.path).some((v) => visible(field, v) && test(v)) });
    const tokens = (test: (docTokens: string[][]) => boolean): Compiled => ({ k: 'fn', f: (d) => test(d.tokens(field.path)) });
    const hasToken = (t: string): ((docTokens: string[][]) => boolean) => (docTokens) => docTokens.some((ts) => ts.includes(t));
    switch (node.kind) {
      case 'term':
      case 'phrase':
      case 'match': {
        const value = node.kind === 'match' ? node.query : node.value;
        if (field.type === 'text') {
          if (node.kind === 'term' && node.exact) {
            const qt = tokenizeStandard(value);
            return qt.length === 1 && qt[0] === value ? tokens(hasToken(value)) : FALSE;
          }
          const qt = tokenizeStandard(value);
          if (qt.length === 0) return node.kind === 'match' ? FALSE : NONE;
          if (node.kind === 'phrase' && qt.length > 1) {
            const slop = node.slop ?? 0;
            return tokens((docTokens) => docTokens.some((ts) => sloppyPhraseMatches(ts, qt, slop)));
          }
          const operator = node.kind === 'match' ? node.operator : node.kind === 'term' ? (node.operator ?? 'or') : 'or';
          const parts = qt.map((t) => tokens(hasToken(t)));
          return operator === 'and' ? and(parts) : or(parts);
        }
        return this.equals(field, value, any);
      }
      case 'terms':
        if (field.type === 'text') return or(node.values.map((v) => this.predicate({ kind: 'term', field: field.name, value: v, exact: true }, field)));
        return or(node.values.map((v) => this.equals(field, v, any)));
      case 'wildcard':
      case 'prefix': {
        const pattern = node.kind === 'prefix' ? `${escapeForPattern(node.value)}*` : node.pattern;
        if (field.type === 'text') {
          const exact = node.kind === 'prefix' || node.exact === true;
          if (exact && lowerCase(pattern) !== pattern) return FALSE; // terms are lower-case
          if (node.kind === 'wildcard' && node.analyze) {
            const body = prefixBody(pattern);
            if (body !== undefined) {
              const qt = tokenizeStandard(body);
              if (qt.length === 0) return NONE;
              const last = qt.length - 1;
              const parts = qt.map((t, i) => {
                if (i < last) return tokens(hasToken(t));
                const glob = globMatcher(`${escapeForPattern(t)}*`);
                return tokens((docTokens) => docTokens.some((ts) => ts.some(glob)));
              });
              return node.analyze.operator === 'and' ? and(parts) : or(parts);
            }
          }
          const glob = globMatcher(lowerCase(pattern));
          return tokens((docTokens) => docTokens.some((ts) => ts.some(glob)));
        }
        if (field.type !== 'keyword') throw new Fail({ field: field.name, message: `Wildcards work on keyword and text fields; ${field.name} is a ${field.type} field.` });
        const glob = globMatcher(pattern);
        return any((v) => glob(String(v)));
      }
      case 'range':
        return this.range(field, node, any, tokens);
      default:
        throw new Fail({ message: `Unexpected query node ${node.kind}.` });
    }
  }

  private equals(field: FieldView, value: string, any: (test: (v: unknown) => boolean) => Compiled): Compiled {
    switch (field.type) {
      case 'text':
        throw new Fail({ message: 'text equality is token matching' });
      case 'keyword': {
        if (field.ignoreAbove !== undefined && value.length > field.ignoreAbove) return FALSE;
        return any((v) => keywordText(v) === value);
      }
      case 'boolean': {
        const wanted = booleanValue(field, value);
        return any((v) => String(v) === wanted);
      }
      case 'integer':
      case 'long':
      case 'double': {
        const n = numberValue(field, value);
        if ((field.type === 'integer' || field.type === 'long') && !Number.isInteger(n)) return FALSE;
        return any((v) => numberOf(v) === n);
      }
      case 'date': {
        const bounds = this.dateBounds(field, value);
        return any((v) => {
          const ms = dateOf(v);
          const [from, to] = bounds();
          return ms !== undefined && ms >= from && ms <= to;
        });
      }
      case 'ip': {
        const range = value.includes('/') ? cidrKeyRange(value) : undefined;
        if (range) return any((v) => { const k = ipSortKey(String(v)); return k !== undefined && k >= range.lo && k <= range.hi; });
        const ip = canonicalIp(value);
        if (ip === undefined) throw new Fail({ field: field.name, message: `'${value}' is not an IP address or CIDR block, and ${field.name} is an ip field. Write e.g. ${field.name}:10.0.0.1 or ${field.name}:"10.0.0.0/8".` });
        return any((v) => canonicalIp(String(v)) === ip);
      }
    }
  }

  /** A date term's first and last millisecond, resolved at match time (date math may read `now`). */
  private dateBounds(field: FieldView, value: string): () => [number, number] {
    const resolve = (): [number, number] => {
      const now = (this.options.now ?? Date.now)();
      return [dateValue(field, value, now, false), dateValue(field, value, now, true)];
    };
    const first = resolve();
    return /now/i.test(value) ? resolve : () => first;
  }

  private range(field: FieldView, node: RangeNode, any: (test: (v: unknown) => boolean) => Compiled, tokens: (test: (docTokens: string[][]) => boolean) => Compiled): Compiled {
    type Bound = [op: '>=' | '>' | '<=' | '<', value: string, roundUp: boolean];
    const bounds: Bound[] = [];
    if (node.gte !== undefined) bounds.push(['>=', node.gte, false]);
    if (node.gt !== undefined) bounds.push(['>', node.gt, true]);
    if (node.lte !== undefined) bounds.push(['<=', node.lte, true]);
    if (node.lt !== undefined) bounds.push(['<', node.lt, false]);
    const holds = <T>(x: T, op: Bound[0], b: T): boolean => (op === '>=' ? x >= b : op === '>' ? x > b : op === '<=' ? x <= b : x < b);
    switch (field.type) {
      case 'integer':
      case 'long':
      case 'double': {
        const bs = bounds.map(([op, v]) => [op, numberValue(field, v)] as const);
        return any((v) => { const n = numberOf(v); return n !== undefined && bs.every(([op, b]) => holds(n, op, b)); });
      }
      case 'date': {
        const zone = node.timeZone ?? this.options.timeZone;
        const resolve = (): Array<readonly [Bound[0], number]> => {
          const now = (this.options.now ?? Date.now)();
          return bounds.map(([op, v, up]) => [op, dateValue(field, v, now, up, zone)] as const);
        };
        const fixed = resolve();
        const usesNow = bounds.some(([, v]) => /now/i.test(v));
        return any((v) => { const ms = dateOf(v); if (ms === undefined) return false; const bs = usesNow ? resolve() : fixed; return bs.every(([op, b]) => holds(ms, op, b)); });
      }
      case 'ip': {
        const bs = bounds.map(([op, v]) => {
          const key = ipSortKey(v);
          if (key === undefined) throw new Fail({ field: field.name, message: `'${v}' is not an IP address, and ${field.name} is an ip field.` });
          return [op, key] as const;
        });
        return any((v) => { const k = ipSortKey(String(v)); return k !== undefined && bs.every(([op, b]) => holds(k, op, b)); });
      }
      case 'boolean': {
        const bs = bounds.map(([op, v]) => [op, booleanValue(field, v)] as const);
        return any((v) => bs.every(([op, b]) => holds(String(v), op, b)));
      }
      case 'text': {
        // A range on a text field matches a document with a term in the range; query_string lower-cases the bounds.
        const bs = bounds.map(([op, v]) => [op, node.exact ? v : lowerCase(v)] as const);
        return tokens((docTokens) => docTokens.some((ts) => ts.some((t) => bs.every(([op, b]) => utf8Compare(t, b, op)))));
      }
      case 'keyword':
        return any((v) => { const s = keywordText(v); return s !== undefined && bounds.every(([op, b]) => utf8Compare(s, b, op)); });
    }
  }
}

/**
 * Which fields a pattern (`rule.*`) names, and so whether its value fits their types, only each
 * document tells; the stores fail such a query up front from the index's fields. A rule names its
 * fields instead, so that validation can say what is wrong before it runs.
 */
function patternRefused(name: string): QueryValueError {
  return new Fail({ field: name, message: `${name}: rules cannot use field patterns; name each field (e.g. rule.group:sshd OR rule.comment:sshd).` });
}

/** A schema field's view, also `<text>.keyword`; undefined for fields the schema does not type. */
function staticView(name: string): FieldView | undefined {
  const spec = schemaField(name);
  if (spec) {
    const suffix = `.${KEYWORD_SUBFIELD}`;
    const base = name.endsWith(suffix) ? schemaField(name.slice(0, -suffix.length)) : undefined;
    const path = base?.type === 'text' ? base.name : name;
    return { name, path, type: spec.type, ...(spec.ignoreAbove !== undefined ? { ignoreAbove: spec.ignoreAbove } : {}) };
  }
  return undefined;
}

/** A dynamic field's view from its first value in this document (strings are keywords, numbers long or double). */
function dynamicView(name: string, doc: MatchDocument): FieldView | undefined {
  const first = doc.values(name)[0];
  const type = dynamicFieldType(first);
  if (type === undefined) return undefined;
  return { name, path: name, type, ...(type === 'keyword' ? { ignoreAbove: DYNAMIC_KEYWORD_IGNORE_ABOVE } : {}) };
}

function present(v: unknown): boolean {
  return v !== null && v !== undefined && !(Array.isArray(v) && v.every((x) => x === null || x === undefined));
}

/** A value the index holds: keywords longer than ignore_above are stored but not indexed. */
function visible(field: FieldView, v: unknown): boolean {
  if (isPlainObject(v)) return false;
  if (field.type === 'keyword' && field.ignoreAbove !== undefined) {
    const s = keywordText(v);
    return s !== undefined && s.length <= field.ignoreAbove;
  }
  return true;
}

function keywordText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function numberOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function dateOf(v: unknown): number | undefined {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Terms compare by their UTF-8 bytes, which is code point order (UTF-16 order differs past the BMP). */
function utf8Compare(a: string, b: string, op: '>=' | '>' | '<=' | '<'): boolean {
  const c = compareCodePoints(a, b);
  return op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c < 0;
}

function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}


/**
 * A Lucene wildcard (`*`, `?`, `\` escapes) as a linear-time matcher over whole values: the pattern
 * is the user's, so no backtracking RegExp. `?` is one code point, as in Lucene.
 */
export function globMatcher(pattern: string): (text: string) => boolean {
  type Part = { kind: 'lit'; text: string } | { kind: 'one' } | { kind: 'any' };
  const parts: Part[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') parts.push({ kind: 'lit', text: lit });
    lit = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) lit += pattern[++i];
    else if (c === '*') {
      flush();
      parts.push({ kind: 'any' });
    } else if (c === '?') {
      flush();
      parts.push({ kind: 'one' });
    } else lit += c;
  }
  flush();
  if (parts.every((p) => p.kind === 'lit')) {
    const whole = parts.map((p) => (p.kind === 'lit' ? p.text : '')).join('');
    return (text) => text === whole;
  }
  // Set-of-states simulation over code points: O(pattern × text).
  const elems: Array<{ kind: 'ch'; cp: number } | { kind: 'one' } | { kind: 'any' }> = [];
  for (const p of parts) {
    if (p.kind === 'lit') for (const ch of p.text) elems.push({ kind: 'ch', cp: ch.codePointAt(0) as number });
    else elems.push(p);
  }
  const n = elems.length;
  return (text) => {
    let states = new Uint8Array(n + 1);
    const close = (s: Uint8Array): void => {
      for (let i = 0; i < n; i++) if (s[i] && elems[i]?.kind === 'any') s[i + 1] = 1;
    };
    states[0] = 1;
    close(states);
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      const next = new Uint8Array(n + 1);
      let alive = false;
      for (let i = 0; i < n; i++) {
        if (!states[i]) continue;
        const e = elems[i] as (typeof elems)[number];
        if (e.kind === 'any') {
          next[i] = 1;
          alive = true;
        } else if (e.kind === 'one' || e.cp === cp) {
          next[i + 1] = 1;
          alive = true;
        }
      }
      if (!alive) return false;
      close(next);
      states = next;
    }
    return states[n] === 1;
  };
}
