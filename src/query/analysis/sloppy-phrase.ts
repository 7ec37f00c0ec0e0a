/**
 * @module Lucene's sloppy phrase (`"a b"~n`) as window conditions on token positions, for a backend
 * that has the tokens but no positional index.
 */

/**
 * Lucene's sloppy phrase: the phrase's terms t₀…tₖ (query offsets 0…k) match at document positions
 * p₀…pₖ when the shifts pᵢ − i all lie within `slop` of each other (max − min ≤ slop), distinct
 * positions for a repeated term. So order and distance matter: a transposition costs 2
 * (`"not did"~1` misses "did not", `~2` finds it), one word between costs 1.
 *
 * Equivalently, for some window start w, each term has a position in [w + i, w + i + slop]. With a
 * repeated term the windows of its offsets must take distinct positions: for windows of one length
 * in offset order that holds when every run of its consecutive offsets j_a…j_b finds at least
 * b − a + 1 positions of the term in [w + j_a, w + j_b + slop] (Hall's condition on intervals).
 * One condition per such run, so a backend checks `count ≥ need` for each, for some w.
 */
export interface WindowCondition {
  /** The (lower-case) token. */
  t: string;
  /** First and last query offset of the run. */
  lo: number;
  hi: number;
  /** Positions the run needs. */
  need: number;
}

/**
 * Runs of a repeated term are checked up to this many occurrences: a phrase of a thousand `a`s
 * would otherwise need half a million conditions. Longer runs are left unchecked (such a phrase
 * may match a little more than in Lucene), the terms' own windows always are.
 */
export const MAX_CHECKED_RUN = 8;

export function sloppyPhraseConditions(tokens: readonly string[]): WindowCondition[] {
  const offsets = new Map<string, number[]>();
  tokens.forEach((t, i) => offsets.set(t, [...(offsets.get(t) ?? []), i]));
  const conditions: WindowCondition[] = [];
  for (const [t, at] of offsets) {
    for (let a = 0; a < at.length; a++) {
      for (let b = a; b < Math.min(at.length, a + MAX_CHECKED_RUN); b++) conditions.push({ t, lo: at[a] as number, hi: at[b] as number, need: b - a + 1 });
    }
  }
  return conditions;
}

/** The reference check over a document's tokens (0-based positions), for tests and for backends without SQL. */
export function sloppyPhraseMatches(documentTokens: readonly string[], tokens: readonly string[], slop: number): boolean {
  if (tokens.length === 0) return false;
  const conditions = sloppyPhraseConditions(tokens);
  for (let w = -tokens.length; w < documentTokens.length; w++) {
    const holds = conditions.every((c) => {
      let count = 0;
      const last = Math.min(w + c.hi + slop, documentTokens.length - 1);
      for (let q = Math.max(w + c.lo, 0); q <= last; q++) if (documentTokens[q] === c.t) count++;
      return count >= c.need;
    });
    if (holds) return true;
  }
  return false;
}
