/** @module The `%regex%` dialect of CloudWatch filter patterns, checked and compiled to RE2 (linear time, never backtracking). */
import { RE2JS } from 're2js';
import { err, ok, type Result } from '../result.js';
import type { FilterPatternError } from './text.js';

/** A compiled regex: true when it matches anywhere in the text (use `^` and `$` to anchor). */
export type RegexTest = (text: string) => boolean;

/**
 * AWS's list of what a regex may contain: letters and digits, the symbols `_ # = @ / ; , - :`
 * (`:` is in some versions of the page) and the operators `^ $ ? [ ] { } | \ * + .`. No
 * parentheses, no spaces (write `\s`), nothing outside ASCII.
 */
const ALLOWED = /^[A-Za-z0-9_#=@/;,\-:^$?[\]{}|\\*+.]$/;

/**
 * Checks `source` (the text between the two `%`) against AWS's subset and compiles it with RE2.
 * `at` is the 0-based position of the opening `%` in the pattern, for messages.
 *
 * Choices where AWS's page says nothing: `.` also matches a line break (an event is one text,
 * even a multi-line alerts.log record) and `^`/`$` anchor at the start and end of that text;
 * matching is case-sensitive like the rest of the syntax; escapes are RE2's (`\d`, `\w`, `\s`,
 * `\b`, `\.` …); repeat counts above 1,000 are refused, as RE2 does.
 */
export function compileRegex(source: string, at: number): Result<RegexTest, FilterPatternError> {
  if (source === '') return err({ message: `Empty regex %% at position ${at + 1}.` });
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (ALLOWED.test(c)) continue;
    const position = at + 2 + i;
    if (c === '(' || c === ')') return err({ message: `'${c}' at position ${position}: filter-pattern regexes cannot use parentheses (AWS does not support subpatterns).` });
    if (c === ' ') return err({ message: `A space at position ${position}: filter-pattern regexes cannot contain spaces; write \\s.` });
    const shown = c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e ? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
    return err({ message: `${shown} at position ${position} is not allowed in a filter-pattern regex: use letters, digits, _ # = @ / ; , - : and the operators ^ $ ? [ ] { } | \\ * + .` });
  }
  try {
    const re = RE2JS.compile(source, RE2JS.DOTALL);
    return ok((text) => re.test(text));
  } catch (e) {
    return err({ message: `Invalid regex %${source}% at position ${at + 1}: ${(e as Error).message}.` });
  }
}
