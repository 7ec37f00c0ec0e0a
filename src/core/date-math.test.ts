import { describe, expect, it } from 'vitest';
import { parseDateMath, parseDuration } from './date-math.js';

const NOW = Date.UTC(2024, 2, 2, 14, 33, 47, 123); // a Saturday

describe('parseDateMath', () => {
  it.each([
    ['now', NOW],
    ['now-15m', NOW - 15 * 60_000],
    ['now+1h', NOW + 3_600_000],
    ['now-24h', NOW - 86_400_000],
    ['now/d', Date.UTC(2024, 2, 2)],
    ['now-1d/d', Date.UTC(2024, 2, 1)],
    ['now/w', Date.UTC(2024, 1, 26)],
    ['now-1M', Date.UTC(2024, 1, 2, 14, 33, 47, 123)],
    ['now/y', Date.UTC(2024, 0, 1)],
    ['2024-03-02', Date.UTC(2024, 2, 2)],
    ['2024-03-02T14:00:00Z', Date.UTC(2024, 2, 2, 14)],
    ['2024-03-02T14:00:00', Date.UTC(2024, 2, 2, 14)],
    ['2024-03-02T14:00', Date.UTC(2024, 2, 2, 14)],
    ['2024-03-02T14:00:00+01:00', Date.UTC(2024, 2, 2, 13)],
    ['2024-03-02||-1d', Date.UTC(2024, 2, 1)],
    ['1709390027000', 1709390027000],
  ])('%s', (text, expected) => {
    expect(parseDateMath(text, NOW)).toEqual({ ok: true, value: expected });
  });

  it('rounds up to the end of the unit for range ends', () => {
    expect(parseDateMath('now/d', NOW, { roundUp: true })).toEqual({ ok: true, value: Date.UTC(2024, 2, 3) - 1 });
  });

  it.each(['', 'yesterday', 'now-', 'now-5x', 'now/5d', '2024-13-01'])('explains what is wrong with %j', (text) => {
    const result = parseDateMath(text, NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeGreaterThan(20);
  });
});

describe('parseDuration', () => {
  it('reads units and bare seconds', () => {
    expect(parseDuration('500ms')).toEqual({ ok: true, value: 500 });
    expect(parseDuration('90s')).toEqual({ ok: true, value: 90_000 });
    expect(parseDuration('5m')).toEqual({ ok: true, value: 300_000 });
    expect(parseDuration('24h')).toEqual({ ok: true, value: 86_400_000 });
    expect(parseDuration('2')).toEqual({ ok: true, value: 2000 });
    expect(parseDuration('soon').ok).toBe(false);
  });
});

describe('parseDateMath with roundUp (range ends and date terms)', () => {
  it.each([
    ['2024-03-02', Date.UTC(2024, 2, 3) - 1],
    ['2024-03-02T14', Date.UTC(2024, 2, 2, 15) - 1],
    ['2024-03-02T14:33', Date.UTC(2024, 2, 2, 14, 34) - 1],
    ['2024-03-02T14:33:47Z', Date.UTC(2024, 2, 2, 14, 33, 48) - 1],
    ['2024-03-02T14:33:47.120Z', Date.UTC(2024, 2, 2, 14, 33, 47, 120)],
    ['now', NOW],
    ['now-1d/d', Date.UTC(2024, 2, 2) - 1],
  ])('%s rounds up to %i', (text, expected) => {
    expect(parseDateMath(text, NOW, { roundUp: true })).toEqual({ ok: true, value: expected });
  });
});
