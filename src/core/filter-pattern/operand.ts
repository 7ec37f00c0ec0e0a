/**
 * @module The right-hand side of a JSON or space-delimited condition (a number, a string with `*`
 * at either end, a `%regex%`, or `*` alone) and how each compares with a value.
 */
import { err, ok, type Result } from '../result.js';
import { compileRegex, type RegexTest } from './regex.js';
import type { FilterPatternError } from './text.js';

export type Comparison = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type Operand =
  | { type: 'number'; value: number }
  | { type: 'string'; test: (text: string) => boolean }
  | { type: 'regex'; test: RegexTest }
  /** `*` alone: any value at all. */
  | { type: 'any' };

/** Numbers as AWS writes them: an optional sign, digits with an optional fraction, an optional exponent. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isComparison(text: string): text is Comparison {
  return text === '=' || text === '!=' || text === '<' || text === '>' || text === '<=' || text === '>=';
}

/** The number a field's text spells, if it spells one (the same grammar as in patterns). */
export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * A string operand. `*` is a wildcard only at the start or end ("*Event", "Event*", "*html*");
 * inside a value it is literal, as AWS documents ("Ev*ent" matches only "Ev*ent").
 */
export function stringOperand(value: string): Operand {
  if (/^\*+$/.test(value)) return { type: 'any' };
  const leading = value.startsWith('*');
  const trailing = value.endsWith('*');
  const core = value.slice(leading ? 1 : 0, trailing ? value.length - 1 : value.length);
  if (leading && trailing) return { type: 'string', test: (t) => t.includes(core) };
  if (leading) return { type: 'string', test: (t) => t.endsWith(core) };
  if (trailing) return { type: 'string', test: (t) => t.startsWith(core) };
  return { type: 'string', test: (t) => t === core };
}

export type OperandToken = { kind: 'string'; text: string; at: number } | { kind: 'word'; text: string; at: number } | { kind: 'regex'; source: string; at: number };

/** Turns the token after an operator into an operand, refusing strings and regexes with `<`, `>`, `<=`, `>=`. */
export function toOperand(op: Comparison, token: OperandToken): Result<Operand, FilterPatternError> {
  const ordering = op !== '=' && op !== '!=';
  if (token.kind === 'regex') {
    if (ordering) return err({ message: `"${op}" needs a number, not a regex, at position ${token.at + 1}.` });
    const compiled = compileRegex(token.source, token.at);
    return compiled.ok ? ok({ type: 'regex', test: compiled.value }) : compiled;
  }
  if (token.kind === 'word') {
    const number = parseNumber(token.text);
    if (number !== undefined) return ok({ type: 'number', value: number });
  }
  if (ordering) return err({ message: `"${op}" needs a number, not "${token.text}", at position ${token.at + 1}.` });
  return ok(stringOperand(token.text));
}

/** Orders two numbers by `op`. */
export function compareNumbers(value: number, op: Comparison, target: number): boolean {
  switch (op) {
    case '=':
      return value === target;
    case '!=':
      return value !== target;
    case '<':
      return value < target;
    case '>':
      return value > target;
    case '<=':
      return value <= target;
    case '>=':
      return value >= target;
  }
}
