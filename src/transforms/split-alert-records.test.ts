import { describe, expect, it } from 'vitest';
import { AlertRecordSplitter, splitAlertRecords } from './split-alert-records.js';

const TEXT = `{"a":1}\r
** Alert 1.2: - x,
2024 Mar 02 14:36:40 h->/x
Rule: 1 (level 2) -> 'c'
line one

Attributes:

** Alert 3.4: - y,
2024 Mar 02 14:36:41 h->/x
Rule: 1 (level 2) -> 'c'
line two


`;

describe('AlertRecordSplitter', () => {
  it('splits JSON lines and multi-line records, keeping blank lines inside a record', () => {
    expect(splitAlertRecords(TEXT)).toEqual([
      { text: '{"a":1}', line: 0 },
      { text: "** Alert 1.2: - x,\n2024 Mar 02 14:36:40 h->/x\nRule: 1 (level 2) -> 'c'\nline one\n\nAttributes:", line: 1 },
      { text: "** Alert 3.4: - y,\n2024 Mar 02 14:36:41 h->/x\nRule: 1 (level 2) -> 'c'\nline two", line: 8 },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = splitAlertRecords(TEXT);
    for (const size of [1, 2, 3, 7, 64]) {
      const splitter = new AlertRecordSplitter();
      const got = [];
      for (let i = 0; i < TEXT.length; i += size) got.push(...splitter.push(TEXT.slice(i, i + size)));
      got.push(...splitter.end());
      expect(got).toEqual(whole);
    }
  });

  it('holds an open record until the next header or the end', () => {
    const splitter = new AlertRecordSplitter();
    expect(splitter.push("** Alert 1.2: - x,\nRule: 1 (level 2) -> 'c'\n")).toEqual([]);
    expect(splitter.hasOpenRecord).toBe(true);
    expect(splitter.push('** Alert 3.4: - y,\n')).toHaveLength(1);
    expect(splitter.end()).toEqual([{ text: '** Alert 3.4: - y,', line: 2 }]);
    expect(splitter.hasOpenRecord).toBe(false);
  });

  it('emits a last line without a newline at the end', () => {
    expect(splitAlertRecords('{"a":1}\n{"b":2}')).toEqual([
      { text: '{"a":1}', line: 0 },
      { text: '{"b":2}', line: 1 },
    ]);
  });
});
