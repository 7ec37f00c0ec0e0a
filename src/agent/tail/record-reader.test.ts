import { describe, expect, it } from 'vitest';
import { RecordReader, type InputFormat } from './record-reader.js';

const reader = (format: InputFormat, maxRecordBytes = 1024, startOffset = 0) => new RecordReader({ format, startOffset, maxRecordBytes });

describe('RecordReader', () => {
  it('gives each record the offset just after it, and a safe offset that never passes an unfinished line', () => {
    const r = reader('raw', 1024, 100);
    expect(r.push(Buffer.from('ab\r\n\ncd\nef'))).toEqual([
      { text: 'ab', endOffset: 104 },
      { text: 'cd', endOffset: 108 },
    ]);
    expect(r.safeOffset).toBe(108);
    expect(r.hasPending).toBe(true);
    expect(r.push(Buffer.from('g\n'))).toEqual([{ text: 'efg', endOffset: 112 }]);
    expect(r.safeOffset).toBe(112);
  });

  it('repairs invalid UTF-8 exactly as the WHATWG decoder does (TextDecoder, fatal: false): every maximal invalid subpart one U+FFFD', () => {
    const interesting = [0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
    const lines: Buffer[] = [];
    for (const a of interesting) for (const b of interesting) for (const c of [0x41, 0x80, 0xbf, 0xa0]) lines.push(Buffer.from([a, b, c, 0x80, 0x42]));
    lines.push(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('caf\u00e9 \u{1F600}'));
    const r = reader('raw', 1024, 1); // not at the file's start: a BOM is kept as text
    const got = r.push(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))).map((x) => x.text);
    const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    expect(got).toEqual(lines.map((l) => decoder.decode(l)));
  });

  it('passes an oversized line on cut at the bound, flagged, and goes on with the rest (memory stays bounded)', () => {
    const r = reader('raw', 4);
    expect(r.push(Buffer.from('abcdefghij\nk\n'))).toEqual([
      { text: 'abcd', endOffset: 4, oversized: true },
      { text: 'efgh', endOffset: 8, oversized: true },
      { text: 'ij', endOffset: 11 },
      { text: 'k', endOffset: 13 },
    ]);
  });

  it('in auto mode keeps JSON lines apart and an alerts.log record whole, closed by the next header', () => {
    const r = reader('auto');
    const text = '{"a":1}\n** Alert 1.1: - x\nline 1\n\nline 2\n\n** Alert 2.2: - y\nz\n';
    const out = r.push(Buffer.from(text));
    const second = text.indexOf('** Alert 2.2');
    expect(out).toEqual([
      { text: '{"a":1}', endOffset: 8 },
      { text: '** Alert 1.1: - x\nline 1\n\nline 2', endOffset: second },
    ]);
    expect(r.safeOffset).toBe(second); // the open record is read again after a restart
    expect(r.flushOpenRecord()).toEqual([{ text: '** Alert 2.2: - y\nz', endOffset: text.length }]);
    expect(r.safeOffset).toBe(text.length);
  });

  it('passes an alerts.log record that outgrows the bound on as it is so far', () => {
    const r = reader('alerts-log', 40);
    const out = r.push(Buffer.from('** Alert 1.1: - x\n0123456789\n0123456789\n0123456789\n** Alert 2.2: - y\n'));
    expect(out[0]).toEqual({ text: '** Alert 1.1: - x\n0123456789\n0123456789', endOffset: 40, oversized: true });
    expect(out.slice(1)).toEqual([{ text: '0123456789', endOffset: 51 }]);
  });

  it('releases a last line without newline only when asked to (a rotated file that will not grow again)', () => {
    const r = reader('raw');
    expect(r.push(Buffer.from('a\nb'))).toHaveLength(1);
    expect(r.flushOpenRecord(false)).toEqual([]);
    expect(r.flushOpenRecord(true)).toEqual([{ text: 'b', endOffset: 3 }]);
  });

  it('cuts an oversized line between characters, never inside one', () => {
    const r = reader('raw', 4);
    expect(r.push(Buffer.from('a\u00e9\u00e9\n')).map((o) => o.text)).toEqual(['a\u00e9', '\u00e9']);
  });

  it('drops a BOM at the start of the file only', () => {
    const r = reader('raw');
    expect(r.push(Buffer.from('\uFEFFa\n\uFEFFb\n')).map((o) => o.text)).toEqual(['a', '\uFEFFb']);
  });
});
