/** @module Term patterns: `ERROR Exception`, `?ERROR ?WARN`, `-DEBUG`, `"quoted phrases"`, as case-sensitive substrings. */
import { err, ok, type Result } from '../result.js';
import { isSpace, readQuoted, type FilterPatternError } from './text.js';

export interface Term {
  /** all: must appear; any: one of the `?` terms must appear; none: must not appear. */
  kind: 'all' | 'any' | 'none';
  text: string;
}

export function parseTerms(text: string): Result<Term[], FilterPatternError> {
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
      if (i < text.length && !isSpace(text[i])) return err({ message: `Expected a space after the quoted term at position ${start + 1}.` });
      if (quoted.value.text === '') return err({ message: `Empty quoted term at position ${start + 1}.` });
      terms.push({ kind, text: quoted.value.text });
      continue;
    }
    const wordStart = i;
    while (i < text.length && !isSpace(text[i])) {
      if (text[i] === '"') return err({ message: `Unexpected '"' at position ${i + 1}: quote the whole term.` });
      i++;
    }
    if (i === wordStart) return err({ message: `'${c}' at position ${start + 1} must be followed by a term.` });
    const word = text.slice(wordStart, i);
    // Matching %...% as literal text would silently find nothing; say what AWS accepts instead.
    if (word.length >= 2 && word.startsWith('%') && word.endsWith('%')) {
      return err({ message: `The regex ${word} at position ${wordStart + 1} must be the whole filter pattern (or a value in a JSON or space-delimited condition); to match the text itself, quote it.` });
    }
    terms.push({ kind, text: word });
  }
  return ok(terms);
}

export function termMatcher(terms: readonly Term[]): (message: string) => boolean {
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
