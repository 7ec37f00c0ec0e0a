import { describe, expect, it } from 'vitest';
import { demoOpeningPath } from './demo.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 11, 1, 12);

describe('the range the demo opens on', () => {
  it('is the backfill\'s two hours for a fresh fleet, though the backfill took a minute', () => {
    expect(demoOpeningPath(T, T + 60_000, 2 * HOUR)).toBe('/discover?from=now-2h&to=now');
  });
  it('covers a continued fleet\'s whole history, at most a week', () => {
    expect(demoOpeningPath(T - 2 * 24 * HOUR, T, 2 * HOUR)).toBe('/discover?from=now-50h&to=now');
    expect(demoOpeningPath(T - 30 * 24 * HOUR, T, 2 * HOUR)).toBe('/discover?from=now-168h&to=now');
  });
});
