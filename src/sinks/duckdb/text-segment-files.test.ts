/**
 * Where the text index's segments are kept (text-segment-files.ts): files written whole under
 * their name (no temporary left), read at offsets, a missing one or a read past its end refused
 * with TEXT_SEGMENT_GONE; the same in memory; open segments bounded, least recently used closed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSegmentStore, MemorySegmentStore, SegmentReaders, type SegmentStore } from './text-segment-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-segment-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const codeOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (e) {
    return (e as { code?: unknown }).code;
  }
  return 'no error';
};

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

for (const [name, make] of [
  ['files', () => new FileSegmentStore(join(tmp, `dir-${Math.random().toString(36).slice(2)}`))],
  ['memory', () => new MemorySegmentStore()],
] as Array<[string, () => SegmentStore]>) {
  describe(`segments kept in ${name}`, () => {
    it('writes a segment under its name and reads it back at offsets', () => {
      const store = make();
      store.write('d1-a.seg', bytes);
      expect(store.names()).toEqual(['d1-a.seg']);
      const source = store.open('d1-a.seg');
      expect(source.size).toBe(1000);
      expect([...source.read(0, 3)]).toEqual([0, 1, 2]);
      expect([...source.read(500, 2)]).toEqual([500 % 251, 501 % 251]);
      source.close();
      store.remove('d1-a.seg');
      store.remove('d1-a.seg'); // none: no error
      expect(store.names()).toEqual([]);
      expect(codeOf(() => store.open('d1-a.seg'))).toBe('TEXT_SEGMENT_GONE');
    });
  });
}

describe('segment files', () => {
  it('leaves no temporary file, and refuses a read past the end of a file that shrank', () => {
    const dir = join(tmp, 'shrank');
    const store = new FileSegmentStore(dir);
    expect(store.names()).toEqual([]); // no directory yet
    store.write('d2-b.seg', bytes);
    expect(readdirSync(dir)).toEqual(['d2-b.seg']);
    const source = store.open('d2-b.seg');
    truncateSync(join(dir, 'd2-b.seg'), 10);
    expect(codeOf(() => source.read(0, 100))).toBe('TEXT_SEGMENT_GONE');
    source.close();
    expect(() => source.read(0, 1)).toThrow(/closed/);
  });

  it('keeps at most `max` segments open, the least recently used closed first, and closes those no longer listed', () => {
    const dir = join(tmp, 'readers');
    const store = new FileSegmentStore(dir);
    for (const n of ['a', 'b', 'c']) store.write(`${n}.seg`, bytes);
    const opened: string[] = [];
    const closed: string[] = [];
    const counting: SegmentStore = {
      write: (n, b) => store.write(n, b),
      remove: (n) => store.remove(n),
      names: () => store.names(),
      open: (n) => {
        const source = store.open(n);
        opened.push(n);
        return { ...source, size: source.size, read: (o, l) => source.read(o, l), close: () => (closed.push(n), source.close()) };
      },
    };
    const readers = new SegmentReaders(counting, (source) => source.size, 2);
    expect(readers.get('a.seg')).toBe(1000);
    readers.get('b.seg');
    readers.get('a.seg'); // a used last: b goes first
    readers.get('c.seg');
    expect(closed).toEqual(['b.seg']);
    expect(readers.size).toBe(2);
    readers.get('a.seg');
    expect(opened).toEqual(['a.seg', 'b.seg', 'c.seg']);
    readers.keepOnly(new Set(['c.seg']));
    expect(closed).toEqual(['b.seg', 'a.seg']);
    readers.closeAll();
    expect(closed).toEqual(['b.seg', 'a.seg', 'c.seg']);
    expect(readers.size).toBe(0);
    // A segment that does not read (corrupt) is not kept open.
    const failing = new SegmentReaders(counting, () => {
      throw Object.assign(new Error('bad'), { code: 'TEXT_SEGMENT_CORRUPT' });
    }, 2);
    expect(codeOf(() => failing.get('a.seg'))).toBe('TEXT_SEGMENT_CORRUPT');
    expect(closed.at(-1)).toBe('a.seg');
    expect(failing.size).toBe(0);
    expect(existsSync(join(dir, 'a.seg'))).toBe(true);
  });
});
