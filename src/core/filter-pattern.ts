/** @module CloudWatch Logs filter patterns (terms and JSON subset) compiled to a message predicate. */
import { err, ok, type Result } from './result.js';

/** A compiled pattern: true when the log message matches. */
export type MessageMatcher = (message: string) => boolean;

export interface FilterPatternError {
  /** What is wrong, with the position when there is one. */
  message: string;
}

/** CloudWatch's limit on a pattern's length. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

const matchAll: MessageMatcher = () => true;

/**
 * Compiles a CloudWatch Logs filter pattern.
 *
 * - empty (or only spaces): every message;
 * - terms: `ERROR Exception` (all, case-sensitive substrings), `?ERROR ?WARN` (any of the `?`
 *   terms), `-DEBUG` (none of the `-` terms), `"quoted terms"` with `\"` and `\\` escapes;
 * - JSON: `{ $.rule.level >= 6 && ($.srcip = "10.*" || $.user NOT EXISTS) }` with
 *   `= != < > <= >=`, `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`, `&&` above `||`, parentheses,
 *   selectors `$.a.b[0].c`, `*` wildcards in string values. Messages that are not JSON objects and
 *   selectors that point at objects or arrays never match a comparison;
 * - space-delimited patterns (`[ip, user, ...]`) are refused as not supported.
 */
export function compileFilterPattern(text: string): Result<MessageMatcher, FilterPatternError> {
  if (text.length > MAX_FILTER_PATTERN_LENGTH) return err({ message: `The pattern is longer than ${MAX_FILTER_PATTERN_LENGTH} characters.` });
  const trimmed = text.trim();
  if (trimmed === '') return ok(matchAll);
  if (trimmed.startsWith('{')) {
    const parsed = new JsonPatternParser(text).parse();
    if (!parsed.ok) return parsed;
    return ok(jsonMatcher(parsed.value));
  }
  if (trimmed.startsWith('[')) return err({ message: 'Space-delimited filter patterns ([field, ...]) are not supported; use terms or a JSON pattern.' });
  const terms = parseTerms(text);
  if (!terms.ok) return terms;
  return ok(termMatcher(terms.value));
}

/**
 * Substrings that every message matching the pattern contains (its plain `AND` terms), for a store
 * to pre-filter with before running the matcher. Empty when none can be derived or the pattern is
 * invalid.
 */
export function requiredTerms(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('{') || trimmed.startsWith('[')) return [];
  const terms = parseTerms(text);
  return terms.ok ? terms.value.filter((t) => t.kind === 'all').map((t) => t.text) : [];
}

// ---------------------------------------------------------------- terms

interface Term {
  kind: 'all' | 'any' | 'none';
  text: string;
}

function parseTerms(text: string): Result<Term[], FilterPatternError> {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    let kind: Term['kind'] = 'all';
    if (c === '?' || c === '-') {
      kind = c === '?' ? 'any' : 'none';
      i++;
    }
    if (text[i] === '"') {
      const quoted = readQuoted(text, i);
      if (!quoted.ok) return quoted;
      i = quoted.value.end;
      if (i < text.length && !isSpace(text[i] as string)) return err({ message: `Expected a space after the quoted term at position ${start + 1}.` });
      if (quoted.value.text === '') return err({ message: `Empty quoted term at position ${start + 1}.` });
      terms.push({ kind, text: quoted.value.text });
      continue;
    }
    const wordStart = i;
    while (i < text.length && !isSpace(text[i] as string)) {
      if (text[i] === '"') return err({ message: `Unexpected '"' at position ${i + 1}: quote the whole term.` });
      i++;
    }
    if (i === wordStart) return err({ message: `'${c}' at position ${start + 1} must be followed by a term.` });
    terms.push({ kind, text: text.slice(wordStart, i) });
  }
  return ok(terms);
}

function termMatcher(terms: Term[]): MessageMatcher {
  const all = terms.filter((t) => t.kind === 'all').map((t) => t.text);
  const any = terms.filter((t) => t.kind === 'any').map((t) => t.text);
  const none = terms.filter((t) => t.kind === 'none').map((t) => t.text);
  return (message) => {
    for (const t of all) if (!message.includes(t)) return false;
    for (const t of none) if (message.includes(t)) return false;
    if (any.length === 0) return true;
    for (const t of any) if (message.includes(t)) return true;
    return false;
  };
}

function readQuoted(text: string, at: number): Result<{ text: string; end: number }, FilterPatternError> {
  let out = '';
  let i = at + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') return ok({ text: out, end: i + 1 });
    out += c;
    i++;
  }
  return err({ message: `Unterminated quoted string starting at position ${at + 1}.` });
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

// ---------------------------------------------------------------- JSON patterns

type PathStep = string | number;
type Comparison = '=' | '!=' | '<' | '>' | '<=' | '>=';
type JsonNode =
  | { kind: 'and' | 'or'; left: JsonNode; right: JsonNode }
  | { kind: 'compare'; path: PathStep[]; op: Comparison; value: { type: 'number'; value: number } | { type: 'string'; value: string; regex?: RegExp } }
  | { kind: 'test'; path: PathStep[]; test: 'null' | 'not-exists' | 'true' | 'false' };

type Token =
  | { kind: 'punct'; text: '{' | '}' | '(' | ')' | '&&' | '||' | Comparison; at: number }
  | { kind: 'selector'; path: PathStep[]; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'word'; text: string; at: number };

const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const IDENT = /[A-Za-z0-9_@\-$:]/;

class JsonPatternParser {
  private tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Result<JsonNode, FilterPatternError> {
    const lexed = this.lex();
    if (!lexed.ok) return lexed;
    this.tokens = lexed.value;
    if (!this.take('{')) return this.fail('Expected "{" at the start of a JSON pattern');
    const expr = this.orExpr();
    if (!expr.ok) return expr;
    if (!this.take('}')) return this.fail('Expected "}"');
    if (this.pos < this.tokens.length) return this.fail('Unexpected text after "}"');
    return expr;
  }

  private orExpr(): Result<JsonNode, FilterPatternError> {
    let left = this.andExpr();
    while (left.ok && this.take('||')) {
      const right = this.andExpr();
      if (!right.ok) return right;
      left = ok({ kind: 'or', left: left.value, right: right.value });
    }
    return left;
  }

  private andExpr(): Result<JsonNode, FilterPatternError> {
    let left = this.unary();
    while (left.ok && this.take('&&')) {
      const right = this.unary();
      if (!right.ok) return right;
      left = ok({ kind: 'and', left: left.value, right: right.value });
    }
    return left;
  }

  private unary(): Result<JsonNode, FilterPatternError> {
    if (this.take('(')) {
      const inner = this.orExpr();
      if (!inner.ok) return inner;
      if (!this.take(')')) return this.fail('Expected ")"');
      return inner;
    }
    const selector = this.tokens[this.pos];
    if (selector?.kind !== 'selector') return this.fail('Expected a selector such as $.field');
    this.pos++;
    const path = selector.path;
    const next = this.tokens[this.pos];
    if (next?.kind === 'word') {
      const keyword = next.text.toUpperCase();
      const after = this.tokens[this.pos + 1];
      const afterWord = after?.kind === 'word' ? after.text.toUpperCase() : '';
      if (keyword === 'IS' && (afterWord === 'NULL' || afterWord === 'TRUE' || afterWord === 'FALSE')) {
        this.pos += 2;
        return ok({ kind: 'test', path, test: afterWord === 'NULL' ? 'null' : afterWord === 'TRUE' ? 'true' : 'false' });
      }
      if (keyword === 'NOT' && afterWord === 'EXISTS') {
        this.pos += 2;
        return ok({ kind: 'test', path, test: 'not-exists' });
      }
      return this.fail('Expected a comparison, IS NULL, IS TRUE, IS FALSE or NOT EXISTS');
    }
    if (next?.kind !== 'punct' || !isComparison(next.text)) return this.fail('Expected a comparison operator (=, !=, <, >, <=, >=)');
    this.pos++;
    const op = next.text;
    const operand = this.tokens[this.pos];
    if (operand?.kind === 'string') {
      this.pos++;
      if (op !== '=' && op !== '!=') return this.failAt(operand.at, `"${op}" needs a number, not a string`);
      return ok({ kind: 'compare', path, op, value: stringValue(operand.text) });
    }
    if (operand?.kind === 'word') {
      this.pos++;
      if (NUMBER.test(operand.text)) return ok({ kind: 'compare', path, op, value: { type: 'number', value: Number(operand.text) } });
      if (op !== '=' && op !== '!=') return this.failAt(operand.at, `"${op}" needs a number, not "${operand.text}"`);
      return ok({ kind: 'compare', path, op, value: stringValue(operand.text) });
    }
    return this.fail(`Expected a value after "${op}"`);
  }

  private take(text: string): boolean {
    const t = this.tokens[this.pos];
    if (t?.kind === 'punct' && t.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  private fail(what: string): Result<never, FilterPatternError> {
    const t = this.tokens[this.pos];
    return this.failAt(t ? t.at : this.text.length, what);
  }

  private failAt(at: number, what: string): Result<never, FilterPatternError> {
    return err({ message: `${what} at position ${at + 1}.` });
  }

  private lex(): Result<Token[], FilterPatternError> {
    const text = this.text;
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (isSpace(c)) {
        i++;
        continue;
      }
      const two = text.slice(i, i + 2);
      if (two === '&&' || two === '||' || two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'punct', text: two, at: i });
        i += 2;
        continue;
      }
      if (c === '{' || c === '}' || c === '(' || c === ')' || c === '=' || c === '<' || c === '>') {
        tokens.push({ kind: 'punct', text: c, at: i });
        i++;
        continue;
      }
      if (c === '"') {
        const quoted = readQuoted(text, i);
        if (!quoted.ok) return quoted;
        tokens.push({ kind: 'string', text: quoted.value.text, at: i });
        i = quoted.value.end;
        continue;
      }
      if (c === '$') {
        const selector = readSelector(text, i);
        if (!selector.ok) return selector;
        tokens.push({ kind: 'selector', path: selector.value.path, at: i });
        i = selector.value.end;
        continue;
      }
      const start = i;
      while (i < text.length && !isSpace(text[i] as string) && !'{}()=<>!&|"'.includes(text[i] as string)) i++;
      if (i === start) return err({ message: `Unexpected "${c}" at position ${i + 1}.` });
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
    return ok(tokens);
  }
}

function readSelector(text: string, at: number): Result<{ path: PathStep[]; end: number }, FilterPatternError> {
  const path: PathStep[] = [];
  let i = at + 1;
  for (;;) {
    const c = text[i];
    if (c === '.') {
      const start = ++i;
      while (i < text.length && IDENT.test(text[i] as string)) i++;
      if (i === start) return err({ message: `Expected a property name after "." at position ${start}.` });
      path.push(text.slice(start, i));
      continue;
    }
    if (c === '[') {
      const close = text.indexOf(']', i);
      const index = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^\d+$/.test(index)) return err({ message: `Expected an array index such as [0] at position ${i + 1}.` });
      path.push(Number(index));
      i = close + 1;
      continue;
    }
    break;
  }
  if (path.length === 0) return err({ message: `Expected a selector such as $.field at position ${at + 1}.` });
  return ok({ path, end: i });
}

function isComparison(text: string): text is Comparison {
  return text === '=' || text === '!=' || text === '<' || text === '>' || text === '<=' || text === '>=';
}

function stringValue(text: string): { type: 'string'; value: string; regex?: RegExp } {
  if (!text.includes('*')) return { type: 'string', value: text };
  const source = text
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { type: 'string', value: text, regex: new RegExp(`^${source}$`, 's') };
}

const MISSING = Symbol('missing');

function resolve(root: unknown, path: PathStep[]): unknown {
  let node: unknown = root;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(node) || step >= node.length) return MISSING;
      node = node[step];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, step)) return MISSING;
      node = (node as Record<string, unknown>)[step];
    }
  }
  return node;
}

function evaluate(node: JsonNode, root: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, root) && evaluate(node.right, root);
    case 'or':
      return evaluate(node.left, root) || evaluate(node.right, root);
    case 'test': {
      const value = resolve(root, node.path);
      if (node.test === 'not-exists') return value === MISSING;
      if (node.test === 'null') return value === null;
      return value === (node.test === 'true');
    }
    case 'compare': {
      const value = resolve(root, node.path);
      if (value === MISSING || (value !== null && typeof value === 'object')) return false;
      const equal = (): boolean => {
        if (node.value.type === 'number') return typeof value === 'number' && value === node.value.value;
        if (typeof value !== 'string') return false;
        return node.value.regex ? node.value.regex.test(value) : value === node.value.value;
      };
      if (node.op === '=') return equal();
      if (node.op === '!=') return !equal();
      if (typeof value !== 'number' || node.value.type !== 'number') return false;
      const target = node.value.value;
      return node.op === '<' ? value < target : node.op === '>' ? value > target : node.op === '<=' ? value <= target : value >= target;
    }
  }
}

function jsonMatcher(tree: JsonNode): MessageMatcher {
  return (message) => {
    // Cheap rejection first: most non-JSON lines do not start with "{".
    let i = 0;
    while (i < message.length && isSpace(message[i] as string)) i++;
    if (message[i] !== '{') return false;
    let root: unknown;
    try {
      root = JSON.parse(message);
    } catch {
      return false;
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return false;
    return evaluate(tree, root);
  };
}
