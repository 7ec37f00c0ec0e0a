import { describe, expect, it } from 'vitest';
import { fieldPatternMatcher } from './fields.js';

describe('field patterns', () => {
  it('match as globs, in linear time even for a*a*…b against a long name of a', () => {
    expect(fieldPatternMatcher('rule.*')('rule.level')).toBe(true);
    expect(fieldPatternMatcher('rule.*')('rules')).toBe(false);
    expect(fieldPatternMatcher('data.*.id')('data.win.id')).toBe(true);
    expect(fieldPatternMatcher('*')('anything')).toBe(true);
    expect(fieldPatternMatcher('a*a')('a')).toBe(false);
    expect(fieldPatternMatcher('a*a')('aa')).toBe(true);
    expect(fieldPatternMatcher('src*')('srcip')).toBe(true);
    expect(fieldPatternMatcher('x.y')('x.y')).toBe(true);
    expect(fieldPatternMatcher('x.y')('xzy')).toBe(false);
    const started = performance.now();
    expect(fieldPatternMatcher(`${'a*'.repeat(30)}b`)('a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
