/**
 * @module A page's first search, started while the app boots: beside the session check instead of
 * after it and the first render of the app (Discover's search began 50-130 ms after the session's
 * answer, measured at load 14). The page takes the answer once, for the same request.
 */
import type { SearchResponse } from './api.js';

/** An answer older than this is not taken: the page asks again, so that "now" is recent. */
const MAX_AGE_MS = 10_000;

let started: { key: string; at: number; answer: Promise<SearchResponse> } | undefined;

/** Keeps `answer` (the search named `key`, already sent) for the page's first load. */
export function startFirstSearch(key: string, answer: Promise<SearchResponse>): void {
  const entry = { key, at: Date.now(), answer };
  started = entry;
  // Failed (signed out, say): nothing to take; the page asks again once it shows.
  answer.catch(() => {
    if (started === entry) started = undefined;
  });
}

/** The answer started for `key`, at most once and while recent; undefined: the page searches itself. */
export function takeFirstSearch(key: string): Promise<SearchResponse> | undefined {
  const entry = started;
  started = undefined; // once: a refresh, a reload of the view or a later visit asks anew
  if (!entry || entry.key !== key || Date.now() - entry.at > MAX_AGE_MS) return undefined;
  return entry.answer;
}
