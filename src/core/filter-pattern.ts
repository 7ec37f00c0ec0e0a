/**
 * @module CloudWatch Logs filter patterns (terms, JSON, space-delimited and `%regex%`, as AWS
 * documents them) compiled to a message predicate. Used by FilterLogEvents and subscription filters.
 */
import { compileJsonPattern } from './filter-pattern/json.js';
import { compileRegex } from './filter-pattern/regex.js';
import { compileSpaceDelimitedPattern } from './filter-pattern/space-delimited.js';
import { parseTerms, termMatcher } from './filter-pattern/terms.js';
import type { FilterPatternError } from './filter-pattern/text.js';
import { err, ok, type Result } from './result.js';

export type { FilterPatternError } from './filter-pattern/text.js';

/** A compiled pattern: true when the log message matches. */
export type MessageMatcher = (message: string) => boolean;

/** CloudWatch's limit on a pattern's length. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

const matchAll: MessageMatcher = () => true;

/**
 * Compiles a CloudWatch Logs filter pattern. Every form runs in time linear in the message
 * (regexes on RE2, never on backtracking JS RegExp), whatever the pattern.
 *
 * - empty (or only spaces): every message;
 * - terms: `ERROR Exception` (all, case-sensitive substrings), `?ERROR ?WARN` (any of the `?`
 *   terms), `-DEBUG` (none of the `-` terms), `"quoted terms"` with `\"` and `\\` escapes;
 * - `%regex%` alone: AWS's regex subset (no parentheses, ASCII only), matched anywhere;
 * - JSON: `{ $.rule.level >= 6 && ($.srcip = "10.*" || $.user NOT EXISTS) }` with
 *   `= != < > <= >=`, `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`, `&&` above `||`, parentheses,
 *   selectors `$.a.b[0].c`, `*` wildcards at either end of a string, `= *` for any value, and
 *   `%regex%` values. Messages that are not JSON objects and selectors that point at objects or
 *   arrays never match a comparison;
 * - space-delimited: `[ip, user, ..., status_code = 4* && status_code != 403, bytes > 1000]`, the
 *   message split at spaces with `"..."` and `[...]` as one field, `...` for any number of fields,
 *   conditions as in JSON patterns on a field's text (numbers compare as numbers).
 *
 * Where AWS's documentation leaves a point open, hidsmon chooses:
 * - a `%regex%` is the whole pattern or a condition's value; among terms it is refused rather
 *   than matched as text. At most 2 regexes per JSON or space-delimited pattern (AWS's quota).
 *   `.` matches line breaks too, `^`/`$` anchor at the message's start and end, RE2's escapes.
 * - space-delimited: without `...` the message must have exactly as many fields as the pattern
 *   (AWS's own `[w1=ERROR, w2]` example implies it); at most one `...` (several would make
 *   fields' places ambiguous); runs of spaces, tabs and line breaks separate fields; a quoted
 *   field ends at the first `"` not preceded by `\`, a bracketed one at the first `]`, and an
 *   opening quote or bracket that never closes is plain text; a trailing `,` adds one unnamed
 *   field (AWS's `[..., status_code=4*,]`); names are letters, digits, `_` and `-`, unique, and a
 *   condition may name any field of the pattern; `&&` binds tighter than `||`, parentheses group;
 *   `w1=!ERROR` (in AWS's examples) means `w1 != ERROR`; a number compared with a field that is
 *   not a number: `!=` holds, every other operator does not.
 * - JSON and space-delimited: `*` inside a value is literal (AWS: "Ev*ent" matches only itself);
 *   `= *` matches any value but null; a regex or wildcard never matches a JSON number or boolean.
 */
export function compileFilterPattern(text: string): Result<MessageMatcher, FilterPatternError> {
  if (text.length > MAX_FILTER_PATTERN_LENGTH) return err({ message: `The pattern is longer than ${MAX_FILTER_PATTERN_LENGTH} characters.` });
  const trimmed = text.trim();
  if (trimmed === '') return ok(matchAll);
  switch (kindOf(trimmed)) {
    case 'json':
      return compileJsonPattern(text);
    case 'space-delimited':
      return compileSpaceDelimitedPattern(text);
    case 'regex': {
      const at = text.indexOf('%');
      const close = trimmed.indexOf('%', 1);
      if (close !== trimmed.length - 1) {
        return close < 0
          ? err({ message: `Unterminated regex starting at position ${at + 1}: close it with %.` })
          : err({ message: `Unexpected text after the regex's closing % at position ${at + close + 2}: a regex pattern is one %...% (use a JSON or space-delimited pattern to combine conditions).` });
      }
      return compileRegex(trimmed.slice(1, -1), at);
    }
    case 'terms': {
      const terms = parseTerms(text);
      return terms.ok ? ok(termMatcher(terms.value)) : terms;
    }
  }
}

/**
 * Substrings that every message matching the pattern contains (its plain `AND` terms), for a store
 * to pre-filter with before running the matcher. Empty when none can be derived or the pattern is
 * invalid.
 */
export function requiredTerms(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '' || kindOf(trimmed) !== 'terms') return [];
  const terms = parseTerms(text);
  return terms.ok ? terms.value.filter((t) => t.kind === 'all').map((t) => t.text) : [];
}

function kindOf(trimmed: string): 'json' | 'space-delimited' | 'regex' | 'terms' {
  if (trimmed.startsWith('{')) return 'json';
  if (trimmed.startsWith('[')) return 'space-delimited';
  if (trimmed.startsWith('%')) return 'regex';
  return 'terms';
}
