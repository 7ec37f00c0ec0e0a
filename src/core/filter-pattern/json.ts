/**
 * @module JSON filter patterns: `{ $.rule.level >= 6 && ($.srcip = "10.*" || $.user NOT EXISTS) }`,
 * parsed into a tree and evaluated against each message parsed as JSON.
 */
import { err, ok, type Result } from '../result.js';
import { compareNumbers, isComparison, toOperand, type Comparison, type Operand } from './operand.js';
import { isSpace, readQuoted, readRegex, type FilterPatternError } from './text.js';

/** AWS allows at most two regexes in one JSON or space-delimited pattern. */
export const MAX_REGEXES_PER_PATTERN = 2;

type PathStep = string | number;
type JsonNode =
  | { kind: 'and' | 'or'; left: JsonNode; right: JsonNode }
  | { kind: 'compare'; path: PathStep[]; op: Comparison; operand: Operand }
  | { kind: 'test'; path: PathStep[]; test: 'null' | 'not-exists' | 'true' | 'false' };

type Token =
  | { kind: 'punct'; text: '{' | '}' | '(' | ')' | '&&' | '||' | Comparison; at: number }
  | { kind: 'selector'; path: PathStep[]; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'regex'; source: string; at: number }
  | { kind: 'word'; text: string; at: number };

const IDENT = /[A-Za-z0-9_@\-$:]/;

export function compileJsonPattern(text: string): Result<(message: string) => boolean, FilterPatternError> {
  const parsed = new JsonPatternParser(text).parse();
  return parsed.ok ? ok(jsonMatcher(parsed.value)) : parsed;
}

class JsonPatternParser {
  private tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Result<JsonNode, FilterPatternError> {
    const lexed = this.lex();
    if (!lexed.ok) return lexed;
    this.tokens = lexed.value;
    const regexes = this.tokens.filter((t) => t.kind === 'regex');
    const extra = regexes[MAX_REGEXES_PER_PATTERN];
    if (extra) return this.failAt(extra.at, `A JSON pattern can hold at most ${MAX_REGEXES_PER_PATTERN} regexes, this one has ${regexes.length}; the first one too many is`);
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
    const token = this.tokens[this.pos];
    if (token?.kind !== 'string' && token?.kind !== 'word' && token?.kind !== 'regex') return this.fail(`Expected a value after "${op}"`);
    this.pos++;
    const operand = toOperand(op, token);
    return operand.ok ? ok({ kind: 'compare', path, op, operand: operand.value }) : operand;
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
      if (c === '%') {
        const regex = readRegex(text, i);
        if (!regex.ok) return regex;
        tokens.push({ kind: 'regex', source: regex.value.source, at: i });
        i = regex.value.end;
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
      while (i < text.length && !isSpace(text[i]) && !'{}()=<>!&|"'.includes(text[i] as string)) i++;
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

const MISSING = Symbol('missing');

/** Follows a selector; own properties only, so `$.constructor` is missing unless the alert has it. */
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

/** `=` for one scalar. Numbers and strings are never coerced into each other. */
function equals(value: unknown, operand: Operand): boolean {
  switch (operand.type) {
    case 'any':
      return value !== null;
    case 'number':
      return typeof value === 'number' && value === operand.value;
    case 'string':
    case 'regex':
      return typeof value === 'string' && operand.test(value);
  }
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
      // A selector at an object or array, or at nothing, never matches, not even with "!=".
      if (value === MISSING || (value !== null && typeof value === 'object')) return false;
      if (node.op === '=') return equals(value, node.operand);
      if (node.op === '!=') return node.operand.type !== 'any' && !equals(value, node.operand);
      return typeof value === 'number' && node.operand.type === 'number' && compareNumbers(value, node.op, node.operand.value);
    }
  }
}

function jsonMatcher(tree: JsonNode): (message: string) => boolean {
  return (message) => {
    // Cheap rejection first: most non-JSON lines do not start with "{".
    let i = 0;
    while (i < message.length && isSpace(message[i])) i++;
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
