/**
 * @module Space-delimited filter patterns: `[ip, user, ..., status_code = 4* && status_code != 403, bytes > 1000]`.
 * The message is split into fields at spaces (a `"quoted"` or `[bracketed]` run is one field), the
 * pattern's fields are laid over them, and every condition must hold.
 */
import { err, ok, type Result } from '../result.js';
import { MAX_REGEXES_PER_PATTERN } from './json.js';
import { compareNumbers, isComparison, parseNumber, toOperand, type Comparison, type Operand, type OperandToken } from './operand.js';
import { isSpace, readQuoted, readRegex, type FilterPatternError } from './text.js';

type Token =
  | { kind: 'punct'; text: ',' | '(' | ')' | '&&' | '||' | ']' | Comparison; at: number }
  | { kind: 'ellipsis'; at: number }
  | OperandToken;

type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'compare'; name: string; at: number; field: number; op: Comparison; operand: Operand };

type Slot = { kind: 'ellipsis' } | { kind: 'field'; name?: string; condition?: Condition };

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Characters that end an unquoted word inside the brackets. */
const WORD_END = ',()&|=!<>"]';

export function compileSpaceDelimitedPattern(text: string): Result<(message: string) => boolean, FilterPatternError> {
  const lexed = lex(text);
  if (!lexed.ok) return lexed;
  const parsed = new SlotParser(lexed.value, text.length).parse();
  if (!parsed.ok) return parsed;
  const slots = parsed.value;
  const ellipsis = slots.findIndex((s) => s.kind === 'ellipsis');
  const prefixLength = ellipsis < 0 ? slots.length : ellipsis;
  const suffixLength = ellipsis < 0 ? 0 : slots.length - ellipsis - 1;
  const conditions = slots.flatMap((s, i) => (s.kind === 'field' && s.condition ? [{ condition: s.condition, slot: i }] : []));
  return ok((message) => {
    const values = layOut(message, slots.length, ellipsis >= 0, prefixLength, suffixLength);
    if (!values) return false;
    for (const { condition } of conditions) if (!holds(condition, values)) return false;
    return true;
  });
}

// ------------------------------------------------------------------ the message's fields

/** The next field at or after `from`: its text (without quotes or brackets) and where it ends. */
function nextField(message: string, from: number): { text: string; end: number } | undefined {
  let i = from;
  while (i < message.length && isSpace(message[i])) i++;
  if (i >= message.length) return undefined;
  const open = message[i];
  if (open === '"') {
    for (let j = i + 1; j < message.length; j++) {
      if (message[j] === '\\') j++;
      else if (message[j] === '"') return { text: message.slice(i + 1, j), end: j + 1 };
    }
  } else if (open === '[') {
    const close = message.indexOf(']', i + 1);
    if (close >= 0) return { text: message.slice(i + 1, close), end: close + 1 };
  }
  // A plain word, or an opening quote or bracket that never closes (then it is part of the word).
  let j = i + 1;
  while (j < message.length && !isSpace(message[j])) j++;
  return { text: message.slice(i, j), end: j };
}

/**
 * The value of each pattern slot (ellipsis slots get ''), or undefined when the field count does
 * not fit: exactly the slots' count without `...`, at least the named slots' count with it. One
 * pass; only the first and last fields are kept, so a huge message costs no more than its length.
 */
function layOut(message: string, slotCount: number, hasEllipsis: boolean, prefixLength: number, suffixLength: number): string[] | undefined {
  const prefix: string[] = [];
  const ring: string[] = new Array<string>(suffixLength);
  let count = 0;
  let at = 0;
  for (;;) {
    const field = nextField(message, at);
    if (!field) break;
    at = field.end;
    if (count < prefixLength) prefix.push(field.text);
    else if (!hasEllipsis) return undefined;
    else if (suffixLength > 0) ring[(count - prefixLength) % suffixLength] = field.text;
    count++;
  }
  if (!hasEllipsis) return count === slotCount ? prefix : undefined;
  if (count < prefixLength + suffixLength) return undefined;
  const inSuffix = count - prefixLength;
  const suffix = Array.from({ length: suffixLength }, (_, k) => ring[(inSuffix - suffixLength + k) % suffixLength] as string);
  return [...prefix, '', ...suffix];
}

function holds(condition: Condition, values: readonly string[]): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, values) && holds(condition.right, values);
    case 'or':
      return holds(condition.left, values) || holds(condition.right, values);
    case 'compare': {
      const value = values[condition.field] as string;
      const { op, operand } = condition;
      if (operand.type === 'any') return op === '=';
      if (operand.type === 'number') {
        const number = parseNumber(value);
        // "!= 200" holds for a field that is not a number at all, as "not equal" reads.
        if (number === undefined) return op === '!=';
        return compareNumbers(number, op, operand.value);
      }
      return op === '=' ? operand.test(value) : !operand.test(value);
    }
  }
}

// ------------------------------------------------------------------ the pattern

function lex(text: string): Result<Token[], FilterPatternError> {
  const tokens: Token[] = [];
  let i = text.indexOf('[') + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (text.startsWith('...', i) || c === '\u2026') {
      tokens.push({ kind: 'ellipsis', at: i });
      i += c === '\u2026' ? 1 : 3;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'punct', text: two, at: i });
      i += 2;
      continue;
    }
    // AWS's own example writes "w1=!ERROR" for "not ERROR".
    if (two === '=!') {
      tokens.push({ kind: 'punct', text: '!=', at: i });
      i += 2;
      continue;
    }
    if (c === ',' || c === '(' || c === ')' || c === ']' || c === '=' || c === '<' || c === '>') {
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
    const start = i;
    while (i < text.length && !isSpace(text[i]) && !WORD_END.includes(text[i] as string)) i++;
    if (i === start) return err({ message: `Unexpected "${c}" at position ${i + 1}.` });
    tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
  }
  return ok(tokens);
}

type Parsed = { kind: 'name'; name: string; at: number } | Condition;

class SlotParser {
  private pos = 0;
  private readonly pending: { node: Extract<Condition, { kind: 'compare' }> }[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly end: number,
  ) {}

  parse(): Result<Slot[], FilterPatternError> {
    const regexes = this.tokens.filter((t) => t.kind === 'regex');
    const extra = regexes[MAX_REGEXES_PER_PATTERN];
    if (extra) return this.failAt(extra.at, `A space-delimited pattern can hold at most ${MAX_REGEXES_PER_PATTERN} regexes, this one has ${regexes.length}; the first one too many is`);
    const slots: Slot[] = [];
    const names = new Map<string, number>();
    let ellipsisAt: number | undefined;
    if (this.peekPunct(']')) return this.fail('A space-delimited pattern needs at least one field, as in [ip, user, ...]');
    for (;;) {
      const t = this.tokens[this.pos];
      if (t?.kind === 'ellipsis') {
        // More than one would make the fields' places ambiguous (and matching them costly).
        if (ellipsisAt !== undefined) return this.failAt(t.at, `Only one "..." is supported per pattern (the first is at position ${ellipsisAt + 1}); this one is`);
        ellipsisAt = t.at;
        this.pos++;
        slots.push({ kind: 'ellipsis' });
      } else if (this.peekPunct(',') || this.peekPunct(']')) {
        // An empty field (as in AWS's "[..., status_code=4*,]"): it takes one field, unnamed.
        slots.push({ kind: 'field' });
      } else {
        const first = this.firstName();
        const expr = this.orExpr();
        if (!expr.ok) return expr;
        if (first) {
          const seen = names.get(first.name);
          if (seen !== undefined) return this.failAt(first.at, `The field "${first.name}" is named twice (fields ${seen + 1} and ${slots.length + 1})`);
          names.set(first.name, slots.length);
        }
        slots.push(expr.value.kind === 'name' ? { kind: 'field', name: expr.value.name } : { kind: 'field', ...(first ? { name: first.name } : {}), condition: expr.value });
      }
      if (this.takePunct(',')) continue;
      if (this.takePunct(']')) break;
      return this.fail('Expected "," or "]"');
    }
    if (this.pos < this.tokens.length) return this.fail('Unexpected text after "]"');
    for (const { node } of this.pending) {
      const field = names.get(node.name);
      if (field === undefined) return this.failAt(node.at, `The condition names "${node.name}", which is not one of the pattern's fields`);
      node.field = field;
    }
    return ok(slots);
  }

  private firstName(): { name: string; at: number } | undefined {
    for (let i = this.pos; i < this.tokens.length; i++) {
      const t = this.tokens[i] as Token;
      if (t.kind === 'word') return NAME.test(t.text) ? { name: t.text, at: t.at } : undefined;
      if (!(t.kind === 'punct' && t.text === '(')) return undefined;
    }
    return undefined;
  }

  private orExpr(): Result<Parsed, FilterPatternError> {
    let left = this.andExpr();
    while (left.ok && this.takePunct('||')) {
      const right = this.andExpr();
      if (!right.ok) return right;
      const l = this.condition(left.value);
      const r = this.condition(right.value);
      if (!l.ok) return l;
      if (!r.ok) return r;
      left = ok({ kind: 'or', left: l.value, right: r.value });
    }
    return left;
  }

  private andExpr(): Result<Parsed, FilterPatternError> {
    let left = this.primary();
    while (left.ok && this.takePunct('&&')) {
      const right = this.primary();
      if (!right.ok) return right;
      const l = this.condition(left.value);
      const r = this.condition(right.value);
      if (!l.ok) return l;
      if (!r.ok) return r;
      left = ok({ kind: 'and', left: l.value, right: r.value });
    }
    return left;
  }

  /** A bare field name is a whole field; next to && or || it needs a comparison. */
  private condition(parsed: Parsed): Result<Condition, FilterPatternError> {
    if (parsed.kind !== 'name') return ok(parsed);
    return this.failAt(parsed.at, `"${parsed.name}" needs a comparison (such as ${parsed.name} = value) when combined with && or ||`);
  }

  private primary(): Result<Parsed, FilterPatternError> {
    if (this.takePunct('(')) {
      const inner = this.orExpr();
      if (!inner.ok) return inner;
      if (!this.takePunct(')')) return this.fail('Expected ")"');
      return this.condition(inner.value);
    }
    const t = this.tokens[this.pos];
    if (t?.kind !== 'word' || !NAME.test(t.text)) return this.fail('Expected a field name (letters, digits, _ or -, starting with a letter or _), "..." or ","');
    this.pos++;
    const op = this.tokens[this.pos];
    if (!(op?.kind === 'punct' && isComparison(op.text))) return ok({ kind: 'name', name: t.text, at: t.at });
    this.pos++;
    const value = this.tokens[this.pos];
    if (value?.kind !== 'word' && value?.kind !== 'string' && value?.kind !== 'regex') return this.fail(`Expected a value after "${op.text}"`);
    this.pos++;
    const operand = toOperand(op.text, value);
    if (!operand.ok) return operand;
    const node: Extract<Condition, { kind: 'compare' }> = { kind: 'compare', name: t.text, at: t.at, field: -1, op: op.text, operand: operand.value };
    this.pending.push({ node });
    return ok(node);
  }

  private peekPunct(text: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === 'punct' && t.text === text;
  }

  private takePunct(text: string): boolean {
    if (!this.peekPunct(text)) return false;
    this.pos++;
    return true;
  }

  private fail(what: string): Result<never, FilterPatternError> {
    const t = this.tokens[this.pos];
    return this.failAt(t ? t.at : this.end, what);
  }

  private failAt(at: number, what: string): Result<never, FilterPatternError> {
    return err({ message: `${what} at position ${at + 1}.` });
  }
}
