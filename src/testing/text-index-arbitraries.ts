/**
 * @module For tests: random alerts and random text queries for the text index's property tests
 * (text-index.property.test.ts against the scan, text-index.segments-store.test.ts with closed
 * days compacted): words, phrases with and without slop, prefixes, AND/OR/NOT, prototype names,
 * non-ASCII, empty text, what JSON escapes, levels the level column does or does not take.
 */
import fc from 'fast-check';
import type { IndexedDocument } from '../core/document.js';
import { cloudWatchEventId } from '../core/ids.js';
import { documentFromLogEvent } from '../transforms/to-document.js';

export const WORDS = ['did', 'not', 'receive', 'identification', 'sshd', 'root', 'admin', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'café', 'straße', 'İstanbul', 'ΣΟΦΙΑ', '日本', 'wp-login.php', '10.0.0.1', 'a_b', 'x', 'é'];
export const START = Date.UTC(2024, 2, 1);

// Common words most of the time, so that phrases and their words apart both occur.
export const COMMON = ['did', 'not', 'receive', 'root'];
const anyWord = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...WORDS) });
// What JSON.stringify escapes, between words: `did\nnot` is `did\\nnot` in @message, whose tokens are `did` and `nnot`.
const separator = fc.oneof({ weight: 6, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\t', '"', '\\', ' "', '\\u00e9', '\r\n') });
const text = fc.array(fc.tuple(anyWord, separator), { minLength: 1, maxLength: 8 }).map((ws) => ws.map(([w, s], i) => (i === 0 ? w : `${s}${w}`)).join(''));
/** An alert's parts; `slots` distinct times 107 minutes apart (the default 41: three days). */
export const docArbOver = (slots = 41) => fc.record({
  fullLog: fc.oneof(text, fc.constant('')),
  comment: fc.option(text, { nil: undefined }),
  // Few distinct times, spread over days: ties at a page's edge, and several index days.
  minute: fc.integer({ min: 0, max: slots - 1 }).map((m) => m * 107 * 60_000),
  // Missing, or what the level column does not take (a string, a fraction, beyond 32 bits): those alerts are in no level's bucket.
  level: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(3, 5, 0, 7, 12, -1) }, { weight: 2, arbitrary: fc.constant<unknown>(undefined) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('high', '5', 4.5, 2 ** 40, null) }),
  // A field of the alert's own: its words are in @message only.
  srcuser: fc.option(fc.constantFrom(...COMMON, 'admin', 'café', 'did not'), { nil: undefined }),
});

const word = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...WORDS, 'missing') });
const quote = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const leaf = fc.oneof(
  word.map((w) => quote(w)),
  fc.tuple(fc.constantFrom('full_log', 'rule.comment', '@message'), word).map(([f, w]) => `${f}:${quote(w)}`),
  fc.tuple(word, word, fc.option(word, { nil: undefined }), fc.constantFrom(0, 0, 0, 1, 2)).map(([a, b, c, slop]) => `${quote([a, b, c].filter(Boolean).join(' '))}${slop > 0 ? `~${slop}` : ''}`),
  fc.constantFrom('ro*', 'ide*', 'wp-log*', 'caf*', 'const*', 'full_log:did*', 'rule.comment:adm*', '10.0*', 'stra*', '@message:nn*', '@message:ro*', 'nnot', '@message:nnot'),
  // Phrases across JSON keys and values, and phrases in @message alone.
  fc.constantFrom('"full_log did"', '"level 3"', '"srcuser root"', '"comment did"', '@message:"did not"', '@message:"not receive"', '"did not" AND srcuser:root', '@message:"srcuser did not"', '"root full_log"'),
  // What the index does not answer: with a text clause, the index's matches restrict the scan (a prefilter).
  fc.constantFrom('rule.level:5', 'full_log:/r.*t/', 'full_log:recieve~1', '"root admin"~1'),
);
export const queryArb = fc.oneof(
  leaf,
  fc.tuple(leaf, fc.constantFrom('AND', 'OR', 'AND NOT'), leaf).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => `(${a} OR ${b}) AND NOT ${c}`),
  fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => `${a} AND ${b} AND (${c} OR rule.level:3)`),
);

/** The documents of the alerts drawn (ids from their positions, from `first` on). */
export function documents(docs: Array<{ fullLog: string; comment: string | undefined; minute: number; level: unknown; srcuser: string | undefined }>, first = 0): IndexedDocument[] {
  return docs.map((d, k) => {
    const i = first + k;
    const ts = START + d.minute;
    const alert = { rule: { ...(d.level !== undefined ? { level: d.level } : {}), ...(d.comment !== undefined ? { comment: d.comment } : {}) }, id: `${Math.floor(ts / 1000)}.${i}`, full_log: d.fullLog, ...(d.srcuser !== undefined ? { srcuser: d.srcuser } : {}) };
    return documentFromLogEvent({ eventId: cloudWatchEventId(ts, i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
  });
}

export const docArb = docArbOver();
