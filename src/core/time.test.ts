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
