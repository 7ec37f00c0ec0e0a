import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, fromLocalMs, instantsOfLocal, nextBucketInZone, roundInZone, zoneOffsetMs } from './time-zone.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('time zones by Intl', () => {
  it('knows IANA names, UTC and offsets, and keeps the name as written', () => {
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('+0530')).toBe('+05:30');
    for (const bad of ['Mars/Olympus', '', '+25:00', 'x'.repeat(100)]) expect(canonicalTimeZone(bad)).toBeUndefined();
  });

  it('answers the same from its cache of names, also once a flood of other names has pushed them out, and for names such as __proto__', () => {
    const names = ['Asia/Kolkata', 'europe/berlin', 'utc', '+0530', 'Mars/Olympus', '__proto__', 'constructor'];
    const first = names.map((n) => canonicalTimeZone(n));
    expect(first).toEqual(['Asia/Kolkata', 'Europe/Berlin', 'UTC', '+05:30', undefined, undefined, undefined]);
    expect(names.map((n) => canonicalTimeZone(n))).toEqual(first);
    for (let i = 0; i < 2_000; i++) expect(canonicalTimeZone(`Nowhere/Place${i}`)).toBeUndefined();
    expect(names.map((n) => canonicalTimeZone(n))).toEqual(first);
  });

  it('asks Intl once per zone name, not once per lookup (an Intl.DateTimeFormat cost ~0.4 ms per search)', () => {
    const original = Intl.DateTimeFormat;
    let built = 0;
    const counting = function (this: unknown, ...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      built++;
      return new original(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    Intl.DateTimeFormat = counting;
    try {
      // A name no other test has looked up, so the first lookup is not already cached.
      const zone = 'America/Argentina/Ushuaia';
      for (let i = 0; i < 1_000; i++) expect(canonicalTimeZone(zone)).toBe(zone);
      expect(built).toBe(1);
    } finally {
      Intl.DateTimeFormat = original;
    }
  });

  it('gives offsets either side of a change, and the instants of a local time (none in the gap, two in the overlap)', () => {
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2024, 2, 31, 0, 59, 59))).toBe(HOUR);
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2024, 2, 31, 1))).toBe(2 * HOUR);
    expect(zoneOffsetMs('America/St_Johns', Date.UTC(2024, 0, 1))).toBe(-3.5 * HOUR);
    expect(instantsOfLocal('Europe/Berlin', Date.UTC(2024, 2, 31, 2, 30))).toEqual([]);
    expect(instantsOfLocal('Europe/Berlin', Date.UTC(2024, 9, 27, 2, 30))).toEqual([Date.UTC(2024, 9, 27, 0, 30), Date.UTC(2024, 9, 27, 1, 30)]);
    // As OpenSearch reads a local time: forward by the gap; the earlier of two.
    expect(fromLocalMs('Europe/Berlin', Date.UTC(2024, 2, 31, 2, 30))).toBe(Date.UTC(2024, 2, 31, 1, 30));
    expect(fromLocalMs('Europe/Berlin', Date.UTC(2024, 9, 27, 2, 30))).toBe(Date.UTC(2024, 9, 27, 0, 30));
  });

  it('rounds a day to local midnight and steps 23 and 25 hours across the changes', () => {
    const march = roundInZone('Europe/Berlin', Date.UTC(2024, 2, 31, 12), DAY);
    expect(march).toBe(Date.UTC(2024, 2, 30, 23));
    expect(nextBucketInZone('Europe/Berlin', march, DAY) - march).toBe(23 * HOUR);
    const october = roundInZone('Europe/Berlin', Date.UTC(2024, 9, 27, 12), DAY);
    expect(october).toBe(Date.UTC(2024, 9, 26, 22));
    expect(nextBucketInZone('Europe/Berlin', october, DAY) - october).toBe(25 * HOUR);
    // The repeated hour is two buckets.
    expect(roundInZone('Europe/Berlin', Date.UTC(2024, 9, 27, 0, 40), HOUR)).toBe(Date.UTC(2024, 9, 27, 0));
    expect(roundInZone('Europe/Berlin', Date.UTC(2024, 9, 27, 1, 40), HOUR)).toBe(Date.UTC(2024, 9, 27, 1));
    expect(roundInZone('Asia/Kolkata', Date.UTC(2024, 0, 1, 12, 10), HOUR)).toBe(Date.UTC(2024, 0, 1, 11, 30));
  });
});
