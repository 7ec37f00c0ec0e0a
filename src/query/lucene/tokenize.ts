/** @module Lexer for Lucene's classic query syntax, following the token rules of Lucene's QueryParser.jj. */

import { err, ok, type Result } from '../../core/result.js';
import type { QuerySyntaxError } from '../ast.js';

export type TokenKind =
  | 'and' // AND &&
  | 'or' // OR ||
  | 'not' // NOT !
  | 'plus'
  | 'minus'
  | 'bare_op' // + - ! followed by whitespace (Lucene searches the character itself; we reject it)
  | 'lparen'
  | 'rparen'
  | 'colon'
  | 'caret'
  | 'number' // boost value, only right after ^
  | 'quoted' // "phrase", text includes the quotes
  | 'term'
  | 'star' // a lone *
  | 'prefix' // term ending in one unescaped *, no other wildcard
  | 'wildcard' // any other run containing unescaped * or ?
  | 'fuzzy' // ~ with its optional suffix
  | 'regexp' // /regex/, text includes the slashes
  | 'range_start' // [ or {
  | 'range_end' // ] or }
  | 'range_to'
  | 'range_goop' // an unquoted range bound
  | 'range_quoted' // a quoted range bound, text includes the quotes
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text, escapes kept. */
  text: string;
  start: number;
  end: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\u3000']);
// Characters that cannot start a term (Lucene's _TERM_START_CHAR exclusions); - and + may continue one.
const NOT_TERM_START = new Set([...WHITESPACE, ...'+-!():^[]"{}~*?\\/']);

export function isWhitespace(c: string | undefined): boolean {
  return c !== undefined && WHITESPACE.has(c);
}

function isTermChar(c: string | undefined): boolean {
  return c !== undefined && (!NOT_TERM_START.has(c) || c === '-' || c === '+');
}

function failed(message: string, position: number, hint: string): { ok: false; error: QuerySyntaxError } {
  return err({ message, position, hint });
}

const BACKSLASH_HINT = 'A backslash escapes the next character; write \\\\ to search for a backslash.';

/** Splits a query into tokens; lexical problems (unclosed quotes, stray brackets) are reported here. */
export function tokenize(text: string): Result<Token[], QuerySyntaxError> {
  const { tokens, error } = lex(text);
  return error === null ? ok(tokens) : err(error);
}

/**
 * Tokens up to the first lexical error (if any), then `eof` at that error. The parser reports the
 * error only once it reaches that point, so problems earlier in the query are reported first, as with
 * Lucene's lazy lexer.
 */
export function lex(text: string): { tokens: Token[]; error: QuerySyntaxError | null } {
  const tokens: Token[] = [];
  const problem = scan(text, tokens);
  const at = problem === null ? text.length : problem.position;
  tokens.push({ kind: 'eof', text: '', start: at, end: at });
  return { tokens, error: problem };
}

function scan(text: string, tokens: Token[]): QuerySyntaxError | null {
  const fail = (message: string, position: number, hint: string): QuerySyntaxError => ({ message, position, hint });
  const n = text.length;
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: text.slice(start, end), start, end });
  };
  let i = 0;
  let inRange = false;
  while (i < n) {
    const c = text[i] as string;
    if (inRange) {
      const r = rangeToken(text, i);
      if (r.kind !== 'skip') push(r.kind, i, r.end);
      if (r.kind === 'range_end') inRange = false;
      i = r.end;
      continue;
    }
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    const next = text[i + 1];
    switch (c) {
      case '(':
        push('lparen', i, i + 1);
        i++;
        continue;
      case ')':
        push('rparen', i, i + 1);
        i++;
        continue;
      case ':':
        push('colon', i, i + 1);
        i++;
        continue;
      case '+':
      case '-':
      case '!': {
        const bare = isWhitespace(next);
        push(bare ? 'bare_op' : c === '+' ? 'plus' : c === '-' ? 'minus' : 'not', i, bare ? i + 2 : i + 1);
        i += bare ? 2 : 1;
        continue;
      }
      case '^': {
        // Lucene's Boost state: digits must follow the caret directly.
        push('caret', i, i + 1);
        let j = i + 1;
        while (isDigit(text[j])) j++;
        if (j === i + 1) {
          return fail('^ must be followed by a number', i + 1, 'Write a boost as term^2; boosts only affect scoring.');
        }
        if (text[j] === '.' && isDigit(text[j + 1])) {
          j++;
          while (isDigit(text[j])) j++;
        }
        push('number', i + 1, j);
        i = j;
        continue;
      }
      case '"': {
        let j = i + 1;
        while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (j >= n) {
          return fail('Unterminated quoted phrase', i, 'Close the phrase with a matching ", or escape a literal quote as \\".');
        }
        push('quoted', i, j + 1);
        i = j + 1;
        continue;
      }
      case '[':
      case '{':
        push('range_start', i, i + 1);
        inRange = true;
        i++;
        continue;
      case ']':
      case '}':
        return fail(`Unexpected ${c}`, i, `Ranges look like field:[low TO high]; escape a literal bracket as \\${c}.`);
      case '~': {
        const end = scanRun(text, i + 1, false);
        if (!end.ok) return end.error;
        push('fuzzy', i, end.value.end);
        i = end.value.end;
        continue;
      }
      case '/': {
        const prev = tokens[tokens.length - 1];
        if (prev !== undefined && prev.end === i && isValueToken(prev.kind)) {
          return fail(
            'A / directly after a value starts a regular expression',
            i,
            `Quote values that contain /, such as CIDR ranges or paths: ${suggestQuoted(text, i)}.`,
          );
        }
        const end = regexEnd(text, i);
        if (end < 0) {
          return fail(
            'Unterminated regular expression',
            i,
            'Close the regular expression with /, or quote values containing / such as paths or CIDRs: field:"10.0.0.0/8".',
          );
        }
        push('regexp', i, end + 1);
        i = end + 1;
        continue;
      }
    }
    // Anything else starts a term; it runs over term characters, escapes, * and ?.
    const prev = tokens[tokens.length - 1];
    if (prev !== undefined && prev.end === i && prev.kind === 'regexp') {
      return fail(
        'A value directly after a regular expression',
        i,
        `Quote values that contain /, such as paths: ${suggestQuoted(text, i)}.`,
      );
    }
    const run = scanRun(text, i, true);
    if (!run.ok) return run.error;
    push(classifyRun(text.slice(i, run.value.end), run.value.wild), i, run.value.end);
    i = run.value.end;
  }
  return null; // ending in Range state is the parser's to report (missing ] or })
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isValueToken(kind: TokenKind): boolean {
  return kind === 'term' || kind === 'prefix' || kind === 'wildcard' || kind === 'star';
}

/** Scans term characters and \-escapes (and * ? when `wildcards`) from `start`. */
function scanRun(
  text: string,
  start: number,
  wildcards: boolean,
): Result<{ end: number; wild: boolean }, QuerySyntaxError> {
  let j = start;
  let wild = false;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') {
      if (j + 1 >= text.length) return failed('The query ends with a lone backslash', j, BACKSLASH_HINT);
      j += 2;
    } else if (wildcards && (c === '*' || c === '?')) {
      wild = true;
      j++;
    } else if (isTermChar(c)) {
      j++;
    } else {
      break;
    }
  }
  return ok({ end: j, wild });
}

function classifyRun(raw: string, wild: boolean): TokenKind {
  if (raw === '*') return 'star';
  if (wild) {
    // Lucene's PREFIXTERM: a term start character, term characters, then exactly one trailing *.
    const body = raw.slice(0, -1);
    const isPrefix = raw.endsWith('*') && !raw.startsWith('*') && !raw.startsWith('?') && !hasUnescapedWildcard(body);
    return isPrefix ? 'prefix' : 'wildcard';
  }
  if (raw === 'AND' || raw === '&&') return 'and';
  if (raw === 'OR' || raw === '||') return 'or';
  if (raw === 'NOT') return 'not';
  return 'term';
}

export function hasUnescapedWildcard(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
  }
  return false;
}

/**
 * Index of the closing / of a regex opened at `start`, or -1. Lucene's REGEXPTERM is `/ ([^/] | \/)* /`
 * with longest match: it ends at the first / not preceded by a backslash, or failing that at the last
 * escaped one.
 */
function regexEnd(text: string, start: number): number {
  let lastEscaped = -1;
  for (let j = start + 1; j < text.length; j++) {
    if (text[j] !== '/') continue;
    if (text[j - 1] === '\\') lastEscaped = j;
    else return j;
  }
  return lastEscaped;
}

type RangeStep = { kind: TokenKind | 'skip'; end: number };

/**
 * One token in Lucene's Range state. A bound ("goop") runs to the next space, ] or }, so tabs and
 * newlines inside it are kept as Lucene does; a quoted bound wins only when it is at least as long.
 */
function rangeToken(text: string, i: number): RangeStep {
  const c = text[i] as string;
  if (c === ']' || c === '}') return { kind: 'range_end', end: i + 1 };
  let goopEnd = i;
  while (goopEnd < text.length && !' ]}'.includes(text[goopEnd] as string)) goopEnd++;
  // Whitespace is skipped unless it begins a longer bound (JavaCC's longest match; SKIP wins ties).
  if (isWhitespace(c) && goopEnd - i <= 1) return { kind: 'skip', end: i + 1 };
  if (c === '"') {
    const q = rangeQuotedEnd(text, i);
    if (q > 0 && q + 1 >= goopEnd) return { kind: 'range_quoted', end: q + 1 };
  }
  const goop = text.slice(i, goopEnd);
  return { kind: goop === 'TO' ? 'range_to' : 'range_goop', end: goopEnd };
}

/** RANGE_QUOTED is `" ([^"] | \")+ "`: same longest-match rule as regexes, and never empty. */
function rangeQuotedEnd(text: string, start: number): number {
  if (text[start + 1] === '"') return -1;
  let lastEscaped = -1;
  for (let j = start + 2; j < text.length; j++) {
    if (text[j] !== '"') continue;
    if (text[j - 1] === '\\') lastEscaped = j;
    else return j;
  }
  return lastEscaped;
}

/**
 * Lucene's `discardEscapeChar`: drops each escaping backslash and decodes `\uXXXX`.
 * `offset` is where `raw` starts in the query, for error positions.
 */
export function unescape(raw: string, offset: number): Result<string, QuerySyntaxError> {
  if (!raw.includes('\\')) return ok(raw);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) return failed('A value ends with a lone backslash', offset + i, BACKSLASH_HINT);
    if (next === 'u') {
      const hex = raw.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        return failed(
          'Invalid \\u escape',
          offset + i,
          '\\u must be followed by four hex digits (\\u00e9); write \\\\ for a literal backslash, as in C:\\\\Users.',
        );
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 5;
    } else {
      out += next;
      i++;
    }
  }
  return ok(out);
}

/**
 * The whitespace-delimited word around `pos`, quoted the way the user probably meant it:
 * `srcip:2001:db8::1` becomes `srcip:"2001:db8::1"`, `fe80::1` becomes `"fe80::1"`.
 */
export function suggestQuoted(text: string, pos: number): string {
  let start = pos;
  while (start > 0 && !isWhitespace(text[start - 1]) && !'()'.includes(text[start - 1] as string)) start--;
  let end = pos;
  while (end < text.length && !isWhitespace(text[end]) && !'()'.includes(text[end] as string)) end++;
  const word = text.slice(start, end).replace(/["\\]/g, (c) => `\\${c}`);
  const field = /^([A-Za-z_@][\w@.-]*):([^:].*)$/.exec(word);
  return field === null ? `"${word}"` : `${field[1]}:"${field[2]}"`;
}
