/**
 * The rollup in memory's pure parts: the order of terms as DuckDB's VARCHAR orders them (by UTF-8
 * bytes), and its bound (the dimension holding most leaves memory; the total last).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, RollupMirror, termsComparator } from './rollup-mirror.js';
import { SLOT_MS, TOTAL_DIM } from './rollups.js';

describe('rollup mirror', () => {
  it('orders strings by their UTF-8 bytes, as DuckDB does (code points above U+FFFF after U+E000-U+FFFF)', () => {
    expect(compareBytes('\u{1F600}', '\uFFFD')).toBeGreaterThan(0); // UTF-16 units alone would say less
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 500 },
    );
  });

  it('orders equal counts by address for ip (non-addresses last), by number for numbers', () => {
    const sorted = (type: 'ip' | 'integer' | 'keyword', values: string[]) => values.map((v) => [v, 1] as const).sort(termsComparator(type)).map(([v]) => v);
    expect(sorted('ip', ['10.0.0.10', 'nope', '9.0.0.1', '10.0.0.9', '::ffff:9.0.0.1'])).toEqual(['9.0.0.1', '::ffff:9.0.0.1', '10.0.0.9', '10.0.0.10', 'nope']);
    expect(sorted('integer', ['10', '9', '-1', '9007199254740993', '9007199254740992'])).toEqual(['-1', '9', '10', '9007199254740992', '9007199254740993']);
    expect(sorted('keyword', ['b', 'B', 'a'])).toEqual(['B', 'a', 'b']);
  });

  it('past its bound drops the dimension holding most, then answers nothing for it', () => {
    const mirror = new RollupMirror(10);
    mirror.set('slot', [
      [0, TOTAL_DIM, '', 3],
      [0, 1, '5', 3],
    ]);
    mirror.set('slot', Array.from({ length: 9 }, (_, i) => [SLOT_MS * i, 4, `10.0.0.${i}`, 1]));
    expect(mirror.holds(4)).toBe(false);
    expect(mirror.holds(1)).toBe(true);
    expect(mirror.size).toBe(2);
    // All data at a grain of quarter hours: from the quarter hours (without a grain: from the days).
    const all = { kind: 'all' } as const;
    expect(mirror.counts(all, 4, SLOT_MS, [])).toBeUndefined();
    expect(mirror.counts(all, 1, SLOT_MS, [])?.get(0)).toEqual(new Map([['5', 3]]));
    // A count set to 0 is gone.
    mirror.set('slot', [[0, 1, '5', 0]]);
    expect(mirror.counts(all, 1, SLOT_MS, [])?.size).toBe(0);
    expect(mirror.size).toBe(1);
  });
});
