/**
 * The UI's time functions in a chosen zone (web/src/time.ts): formatting, typed local times, axis
 * ticks at local midnight across daylight-saving changes, labels of relative ranges, and the
 * histogram's interval choice. Pure (no browser).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BROWSER_ZONE,
  displayTimeZone,
  formatTime,
  histogramInterval,
  parseTimeInput,
  relativeSpan,
  setDisplayTimeZone,
  timeLabel,
  timeTicks,
  zoneAbbreviation,
} from '../../web/src/time.js';

afterEach(() => setDisplayTimeZone(BROWSER_ZONE));

describe("the browser's zone", () => {
  it('is read from Intl once, not once per time shown', () => {
    const Original = Intl.DateTimeFormat;
    let made = 0;
    const counting = function (this: unknown, ...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made++;
      return new Original(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    Object.assign(counting, Original);
    Intl.DateTimeFormat = counting;
    try {
      setDisplayTimeZone(BROWSER_ZONE);
      const zone = displayTimeZone();
      made = 0;
      for (let i = 0; i < 1_000; i++) expect(displayTimeZone()).toBe(zone);
      for (let i = 0; i < 100; i++) formatTime(Date.UTC(2024, 2, 2) + i * 1_000);
      // Formatting itself may use Intl (the zone's offsets), but never once per time for the zone's name.
      expect(made).toBeLessThan(100);
      expect(zone).toBe(new Original().resolvedOptions().timeZone);
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });
});

describe('times in the chosen zone', () => {
  it('formats and reads times in UTC, Kolkata and Berlin whatever the browser\'s zone', () => {
    const ms = Date.UTC(2024, 2, 2, 14, 5, 9, 123);
    setDisplayTimeZone('UTC');
    expect(formatTime(ms)).toBe('2024-03-02 14:05:09.123');
    expect(parseTimeInput('2024-03-02 14:05')).toBe('2024-03-02T14:05:00.000Z');
    setDisplayTimeZone('Asia/Kolkata');
    expect(formatTime(ms)).toBe('2024-03-02 19:35:09.123');
    expect(parseTimeInput('2024-03-02 19:35')).toBe('2024-03-02T14:05:00.000Z');
    setDisplayTimeZone('Europe/Berlin');
    expect(formatTime(Date.UTC(2024, 6, 1, 12))).toBe('2024-07-01 14:00:00.000');
    expect(parseTimeInput('2024-02-31 10:00')).toBeUndefined();
  });

  it('falls back to the browser\'s zone for a zone Intl does not know', () => {
    setDisplayTimeZone('Mars/Olympus');
    expect(displayTimeZone()).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('puts day ticks at local midnight across the change in Berlin (a 23-hour day)', () => {
    setDisplayTimeZone('Europe/Berlin');
    const ticks = timeTicks(Date.UTC(2024, 2, 29), Date.UTC(2024, 3, 2), 6);
    expect(ticks.map((t) => t.ms)).toEqual([Date.UTC(2024, 2, 29, 23), Date.UTC(2024, 2, 30, 23), Date.UTC(2024, 2, 31, 22), Date.UTC(2024, 3, 1, 22)]);
    expect(ticks.map((t) => t.label)).toEqual(['03-30', '03-31', '04-01', '04-02']);
  });

  it('puts hour ticks on the zone\'s own hours in St John\'s (UTC-3:30)', () => {
    setDisplayTimeZone('America/St_Johns');
    const ticks = timeTicks(Date.UTC(2024, 6, 1, 10), Date.UTC(2024, 6, 1, 16), 6);
    for (const t of ticks) expect(new Date(t.ms).getUTCMinutes()).toBe(30);
    expect(ticks[0]?.label).toMatch(/^\d\d:00$/);
  });

  it('names relative ranges and the zone', () => {
    expect(timeLabel(relativeSpan(45, 'm'))).toBe('Last 45 minutes');
    expect(timeLabel(relativeSpan(1, 'd'))).toBe('Last 1 day');
    expect(timeLabel({ from: 'now/d', to: 'now/d' })).toBe('Today');
    expect(timeLabel({ from: 'now/w', to: 'now/w' })).toBe('This week');
    expect(timeLabel({ from: 'now-12h', to: 'now' })).toBe('Last 12 hours');
    expect(zoneAbbreviation(0, 'UTC')).toBe('UTC');
    expect(zoneAbbreviation(Date.UTC(2024, 0, 1), 'Asia/Kolkata')).toMatch(/^(IST|GMT\+5:30)$/);
  });

  it('scales a fixed interval that would make too many bars, as Kibana does', () => {
    const now = Date.UTC(2024, 2, 2);
    expect(histogramInterval('h', { from: 'now-24h', to: 'now' }, now)).toEqual({ ms: 3_600_000, scaled: false });
    expect(histogramInterval('s', { from: 'now-7d', to: 'now' }, now)).toEqual({ ms: 1_800_000, scaled: true });
    expect(histogramInterval('auto', { from: 'now-7d', to: 'now' }, now)).toEqual({ ms: 'auto', scaled: false });
    expect(histogramInterval('nonsense', { from: 'now-7d', to: 'now' }, now)).toEqual({ ms: 'auto', scaled: false });
    expect(histogramInterval('w', { from: 'now-90d', to: 'now' }, now)).toEqual({ ms: 7 * 86_400_000, calendar: 'week', scaled: false });
    expect(histogramInterval('m', { from: 'now-10y', to: 'now' }, now)).toEqual({ ms: 7 * 86_400_000, calendar: 'week', scaled: true });
  });
});
