import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexNameForTime, parseCtime, parseIsoTime, parseOssecTime, timeOfAlertId, timeOfIndexName } from './time.js';

describe('indexNameForTime', () => {
  it('names the UTC day, whatever the local zone', () => {
    expect(indexNameForTime(Date.UTC(2024, 2, 2, 14, 33, 47))).toBe('cwl-2024.03.02');
  });

  it.each([
    [Date.UTC(2024, 2, 2, 23, 59, 59, 999), 'cwl-2024.03.02'],
    [Date.UTC(2024, 2, 3, 0, 0, 0, 0), 'cwl-2024.03.03'],
    [Date.UTC(2023, 11, 31, 23, 59, 59, 999), 'cwl-2023.12.31'],
    [Date.UTC(2024, 0, 1), 'cwl-2024.01.01'],
    [Date.UTC(2024, 1, 29, 12), 'cwl-2024.02.29'],
    [0, 'cwl-1970.01.01'],
    [-1, 'cwl-1969.12.31'],
  ])('puts %i in %s at the day boundary', (ms, name) => {
    expect(indexNameForTime(ms)).toBe(name);
  });

  it('does not reuse a cached name across prefixes or days', () => {
    const t = Date.UTC(2024, 5, 1);
    expect(indexNameForTime(t)).toBe('cwl-2024.06.01');
    expect(indexNameForTime(t, 'hids-')).toBe('hids-2024.06.01');
    expect(indexNameForTime(t + 86_400_000)).toBe('cwl-2024.06.02');
    expect(indexNameForTime(t)).toBe('cwl-2024.06.01');
  });

  it('reads an index name back to its day', () => {
    expect(timeOfIndexName('cwl-2024.03.02')).toBe(Date.UTC(2024, 2, 2));
    expect(timeOfIndexName('cwl-2024.02.30')).toBeUndefined();
    expect(timeOfIndexName('other-2024.03.02')).toBeUndefined();
  });
});

describe('alert time formats', () => {
  it('reads Wazuh ISO times with a colon-less offset and any fraction', () => {
    expect(parseIsoTime('2022-05-11T12:29:19.905+0000')).toBe(Date.UTC(2022, 4, 11, 12, 29, 19, 905));
    expect(parseIsoTime('2017-10-16T19:13:46+0200')).toBe(Date.UTC(2017, 9, 16, 17, 13, 46));
    expect(parseIsoTime('2020-03-04T13:55:05.224939+0000')).toBe(Date.UTC(2020, 2, 4, 13, 55, 5, 224));
    expect(parseIsoTime('2024-03-02T14:00:00-05:30')).toBe(Date.UTC(2024, 2, 2, 19, 30));
    expect(parseIsoTime('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseIsoTime('yesterday')).toBeUndefined();
  });

  it('reads OSSEC local times as UTC', () => {
    expect(parseOssecTime('2024 Mar 02 14:33:47')).toBe(Date.UTC(2024, 2, 2, 14, 33, 47));
    expect(parseOssecTime('2024 Foo 02 14:33:47')).toBeUndefined();
    expect(parseCtime('Fri Mar 10 16:58:09 2017\n')).toBe(Date.UTC(2017, 2, 10, 16, 58, 9));
  });

  it('takes epoch seconds from an alert id', () => {
    expect(timeOfAlertId('1510376428.465')).toBe(1510376428000);
    expect(timeOfAlertId('abc.1')).toBeUndefined();
  });

  it('reads an alert id exactly as /^(\\d{1,12})\\.\\d+$/ does (the hand-written reader), for edge and random ids', () => {
    const byRegex = (id: string): number | undefined => {
      const m = /^(\d{1,12})\.\d+$/.exec(id);
      return m ? Number(m[1]) * 1000 : undefined;
    };
    const edges = ['', '.', '1.', '.1', '1.1', '123456789012.5', '1234567890123.5', '1.2.3', ' 1.2', '1.2 ', '1.2\n', '-1.2', '+1.2', '1e3.4', '١.٢', '0.0', '000000000000.1'];
    for (const id of edges) expect(timeOfAlertId(id), id).toBe(byRegex(id));
    const idChars = fc.constantFrom('0', '1', '9', '.', 'a', ' ', '-', '\n', '٣');
    fc.assert(fc.property(fc.string({ unit: idChars, maxLength: 16 }), (id) => timeOfAlertId(id) === byRegex(id)), { numRuns: 3000 });
  });
});

describe('parseIsoTime on Wazuh\'s shape (read by hand on the last day read)', () => {
  /** The expression alone, as parseIsoTime read every time before. */
  function byExpression(text: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
    if (!m) return undefined;
    const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
    let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), frac);
    const zone = m[8];
    if (zone && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    }
    const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
    if (hour > 23 || minute > 59 || second > 60) return undefined;
    const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(base).getUTCDate() !== Number(m[3]) || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
    return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined;
  }

  it('gives the expression\'s answer for every text, in any order (same day, other days, near misses)', () => {
    const d = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const wazuhLike = fc
      .tuple(fc.constantFrom('2024', '2023', '0000', '9999'), fc.constantFrom('-03-', '-02-', '-13-', '-00-'), d(32), fc.constantFrom('T', ' ', 'x'), d(25), fc.constantFrom(':', ';'), d(61), d(61), fc.constantFrom('.', ',', ':'), fc.integer({ min: 0, max: 999 }), fc.constantFrom('+', '-', 'Z', ' '), d(99), d(99))
      .map(([y, mo, day, t, h, c, mi, s, dot, f, sign, zh, zm]) => `${y}${mo}${day}${t}${h}${c}${mi}:${s}${dot}${String(f).padStart(3, '0')}${sign}${zh}${zm}`);
    const text = fc.oneof(
      wazuhLike,
      wazuhLike.map((t) => ` ${t.slice(1)}`),
      wazuhLike.map((t) => `${t.slice(0, 27)} `),
      fc.constantFrom('2024-03-02T00:00:00.000+0000', '2024-03-02T23:59:60.999-2359', '2024-03-02T24:00:00.000+0000', '2024-02-29T12:00:00.000+0000', '2023-02-29T12:00:00.000+0000', '2024-03-02T00:00:00.00+00:00', '2024-03-02T00:00:00.000Z', '2024-03-02T00:00:00+0000'),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 30 }), (texts) => {
        for (const t of texts) expect(parseIsoTime(t), t).toBe(byExpression(t));
      }),
      { numRuns: 500 },
    );
  });
});

