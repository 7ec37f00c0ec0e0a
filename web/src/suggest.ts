/**
 * @module What the query bar suggests as you type, as Kibana's does: at the word under the caret,
 * field names from the catalog (`rule.le` → `rule.level:`), after `field:` that field's top values
 * (`srcip:10.` → `srcip:"10.0.0.5"`), and while the whole text is a beginning of a recent query,
 * that query. Pure: the bar fetches the values and keeps the recent queries.
 */

export type Suggestion =
  | { kind: 'field'; label: string; detail: string }
  | { kind: 'value'; label: string; detail: string }
  | { kind: 'recent'; label: string; detail: string };

/** The word being typed: where it starts and ends in the text, and, after a `:`, the field it is a value of. */
export interface Token {
  start: number;
  end: number;
  text: string;
  /** Set when the word is `field:value…`: the field, and the value typed so far (quotes dropped). */
  field?: string;
  valuePrefix?: string;
}

export const MAX_SUGGESTIONS = 10;

/** Characters that end a word in Lucene text (outside quotes). */
const BREAKS = new Set([' ', '\t', '\n', '(', ')', '!', '+', '{', '}', '[', ']']);

/** The word that ends at the caret: from the last break before it (quotes keep a phrase together) to the caret. */
export function tokenAt(text: string, caret: number): Token {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < caret; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && BREAKS.has(ch)) start = i + 1;
  }
  const word = text.slice(start, caret);
  const token: Token = { start, end: caret, text: word };
  const colon = word.indexOf(':');
  // `rule.level:` but not `_exists_:…` nor a range or comparison, which take no term values.
  if (colon > 0) {
    const field = word.slice(0, colon).replace(/^-/, '');
    const rest = word.slice(colon + 1);
    if (field !== '' && field !== '_exists_' && !/^[<>[{]/.test(rest)) {
      token.field = field;
      token.valuePrefix = rest.replace(/^"/, '').replace(/"$/, '');
    }
  }
  return token;
}

/** A value as Lucene needs it after `field:`: numbers bare, anything else quoted with `"` and `\` escaped. */
export function quoteValue(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The field names that begin with (or hold) the word, beginnings first. */
export function fieldSuggestions(word: string, fields: ReadonlyArray<{ name: string; type: string }>): Suggestion[] {
  const bare = word.replace(/^-/, '').toLowerCase();
  if (bare === '' || bare.includes('"')) return [];
  const starts = fields.filter((f) => f.name.toLowerCase().startsWith(bare));
  const holds = fields.filter((f) => !f.name.toLowerCase().startsWith(bare) && f.name.toLowerCase().includes(bare));
  return [...starts, ...holds]
    .filter((f) => f.name.toLowerCase() !== bare)
    .slice(0, MAX_SUGGESTIONS)
    .map((f) => ({ kind: 'field', label: f.name, detail: f.type }));
}

/** The field's top values that begin with what is typed (without case). */
export function valueSuggestions(prefix: string, values: ReadonlyArray<{ value: string | number; count: number }>): Suggestion[] {
  const p = prefix.toLowerCase();
  return values
    .filter((v) => String(v.value).toLowerCase().startsWith(p) && String(v.value) !== prefix)
    .slice(0, MAX_SUGGESTIONS)
    .map((v) => ({ kind: 'value', label: String(v.value), detail: v.count.toLocaleString('en-US') }));
}

/** Recent queries the text is a beginning of (all of them for an empty text). */
export function recentSuggestions(text: string, recent: readonly string[]): Suggestion[] {
  const t = text.trim().toLowerCase();
  return recent
    .filter((q) => q.toLowerCase().startsWith(t) && q.trim() !== text.trim())
    .slice(0, MAX_SUGGESTIONS)
    .map((q) => ({ kind: 'recent', label: q, detail: 'recent' }));
}

/** The text after taking a suggestion, and where the caret goes. */
export function applySuggestion(text: string, token: Token, suggestion: Suggestion, numeric: boolean): { text: string; caret: number } {
  if (suggestion.kind === 'recent') return { text: suggestion.label, caret: suggestion.label.length };
  const negated = token.text.startsWith('-') ? '-' : '';
  const rest = text.slice(token.end);
  if (suggestion.kind === 'field') {
    const inserted = `${negated}${suggestion.label}:`;
    return { text: text.slice(0, token.start) + inserted + rest, caret: token.start + inserted.length };
  }
  const value = numeric && suggestion.label !== '' && Number.isFinite(Number(suggestion.label)) ? suggestion.label : quoteValue(suggestion.label);
  const inserted = `${negated}${token.field}:${value}${rest.startsWith(' ') ? '' : ' '}`;
  return { text: text.slice(0, token.start) + inserted + rest, caret: token.start + inserted.length };
}

/** Recent queries, newest first: one more at the front, without repeats, at most `max`, none too long to keep. */
export function rememberQuery(recent: readonly string[], query: string, max = 10): string[] {
  const q = query.trim();
  if (q === '' || q.length > 2000) return [...recent];
  return [q, ...recent.filter((r) => r !== q)].slice(0, max);
}

/** Recent queries from what the browser stored: anything that is not a list of strings is none. */
export function parseRecent(stored: string | null, max = 10): string[] {
  if (stored === null) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((q): q is string => typeof q === 'string' && q.length <= 2000).slice(0, max) : [];
  } catch {
    return [];
  }
}
