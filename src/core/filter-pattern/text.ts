/** @module Shared pieces of filter-pattern parsing: the error shape, spaces and quoted strings. */
import { err, ok, type Result } from '../result.js';

export interface FilterPatternError {
  /** What is wrong, with the 1-based position when there is one. */
  message: string;
}

export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Reads `"..."` starting at `at` (the opening quote); `\x` stands for `x`. */
export function readQuoted(text: string, at: number): Result<{ text: string; end: number }, FilterPatternError> {
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

/** Reads `%...%` starting at `at` (the opening `%`); a regex cannot contain `%`, so the next one closes it. */
export function readRegex(text: string, at: number): Result<{ source: string; end: number }, FilterPatternError> {
  const close = text.indexOf('%', at + 1);
  if (close < 0) return err({ message: `Unterminated regex starting at position ${at + 1}: close it with %.` });
  return ok({ source: text.slice(at + 1, close), end: close + 1 });
}
