import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool, SpoolClosedError, SpoolEncoder, type SpooledRecord } from './spool.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-spool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const dir = () => join(tmp, `s${++n}`);
const records = (count: number, from = 0) => Array.from({ length: count }, (_, i) => ({ timestampMs: 1_000 + from + i, message: `record ${from + i} ✓` }));
/** What the spool gives back: each record with its message's JSON text (from memory or cut from the file's line), which the PutLogEvents request is built from. */
const spooled = (rs: { timestampMs: number; message: string }[]) => rs.map((r) => ({ ...r, messageJson: JSON.stringify(r.message), messageBytes: Buffer.byteLength(r.message, 'utf8') }));
/** A spooled record's figures as plain values (its JSON text is UTF-8 bytes in the segment's buffer). */
const plain = (rs: SpooledRecord[]) => rs.map((r) => ({ timestampMs: r.timestampMs, message: r.message, messageJson: r.messageJson.toString('utf8'), messageBytes: r.messageBytes }));

describe('Spool', () => {
  it('keeps what was appended across a reopen (the agent restarted), oldest segment first, and deletes a segment once removed', async () => {
    const d = dir();
    const spool = await Spool.open({ dir: d, maxBytes: 1_000_000, segmentBytes: 200 });
    await spool.append(records(5));
    await spool.append(records(5, 5));
    await spool.close();
    const again = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    expect(again.stats().records).toBe(10);
    const read = [];
    for (let s = await again.oldest(() => true); s; s = await again.oldest(() => true)) {
      read.push(...(await again.read(s)));
      await again.remove(s);
    }
    expect(plain(read)).toEqual(spooled(records(10)));
    expect(again.stats()).toMatchObject({ records: 0, bytes: 0, segments: 0 });
    expect(readdirSync(d)).toEqual([]);
    // New segments after a restart sort after the old ones.
    await again.append(records(1, 99));
    expect((await again.oldest(() => true))!.seq).toBeGreaterThan(1);
  });

  it('hands out segments after the ones being sent (next), and removals of segments delivered together, in any order, delete exactly those', async () => {
    const spool = await Spool.open({ dir: dir(), maxBytes: 1_000_000, segmentBytes: 10 });
    for (let i = 0; i < 4; i++) await spool.append(records(2, i * 2));
    const taken = [];
    for (let s = await spool.next(0, () => true); s; s = await spool.next(s.seq, () => true)) taken.push(s);
    expect(taken.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    // Acknowledged out of order and removed at once: each removal must find its own segment after the others'.
    await Promise.all([spool.remove(taken[1]!), spool.remove(taken[0]!), spool.remove(taken[3]!)]);
    expect(spool.stats()).toMatchObject({ segments: 1, records: 2 });
    expect(plain(await spool.read((await spool.oldest(() => true))!))).toEqual(spooled(records(2, 4)));
    await spool.close();
  });

  it('gives the records of a segment it wrote from memory (as the file holds them), and a segment beyond the cache from its file', async () => {
    const d = dir();
    const spool = await Spool.open({ dir: d, maxBytes: 1_000_000, segmentBytes: 40, cacheBytes: 300 });
    const odd = [{ timestampMs: 5, message: 'quote " backslash \\ newline \n lone \ud800 ✓' }];
    await spool.append(odd);
    await spool.append(records(8, 10)); // a segment of its own, larger than the cache's room
    const [first, second] = [await spool.next(0, () => true), await spool.next(1, () => true)];
    const reopened = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    expect(plain(await reopened.read((await reopened.oldest(() => true))!))).toEqual(spooled(odd));
    // Overwrite both files: the cached segment is still read as appended, the other one from its file.
    for (const s of [first!, second!]) appendFileSync(s.path, '{"t":1,"m":"appended to the file"}\n');
    expect(plain(await spool.read(first!))).toEqual(spooled(odd));
    expect(plain(await spool.read(second!)).at(-1)).toEqual({ timestampMs: 1, message: 'appended to the file', messageJson: '"appended to the file"', messageBytes: 20 });
    await spool.close();
  });

  it('reads a line whose message bytes are not valid UTF-8 (a damaged file) with replacement characters, never passing the bytes on', async () => {
    const d = dir();
    const spool = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    await spool.append(records(1));
    await spool.close();
    appendFileSync(join(d, readdirSync(d)[0]!), Buffer.concat([Buffer.from('{"t":7,"m":"bad '), Buffer.from([0xff, 0xc3]), Buffer.from(' end"}\n')]));
    const again = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    const read = await again.read((await again.oldest(() => true))!);
    expect(read.at(-1)!.message).toBe('bad \ufffd\ufffd end');
    expect(read.at(-1)!.messageJson.toString('utf8')).toBe(JSON.stringify('bad \ufffd\ufffd end'));
    expect(plain(read.slice(0, 1))).toEqual(spooled(records(1)));
  });

  it('writes records an encoder made as they are (lines of two encoders interleaved, plain records among them), the same lines as plain records make', async () => {
    const [d1, d2] = [dir(), dir()];
    const [a, b] = [new SpoolEncoder(64), new SpoolEncoder()];
    const input = records(6);
    const made = input.map((r, i) => (i === 2 ? r : (i % 2 === 0 ? a : b).encode(r.message, r.timestampMs)));
    const encoded = await Spool.open({ dir: d1, maxBytes: 1_000_000 });
    await encoded.append(made);
    await encoded.append(made.slice(4)); // a batch given again (the sink's retry) is written again, unchanged
    const plainSpool = await Spool.open({ dir: d2, maxBytes: 1_000_000 });
    await plainSpool.append(input);
    await plainSpool.append(input.slice(4));
    await Promise.all([encoded.close(), plainSpool.close()]);
    const bytes = (d: string) => readFileSync(join(d, readdirSync(d)[0]!), 'utf8');
    expect(bytes(d1)).toBe(bytes(d2));
    const again = await Spool.open({ dir: d1, maxBytes: 1_000_000 });
    expect(plain(await again.read((await again.oldest(() => true))!))).toEqual(spooled([...input, ...input.slice(4)]));
  });

  it('skips a torn last line left by a crash mid-write (it was never acknowledged)', async () => {
    const d = dir();
    const spool = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    await spool.append(records(3));
    await spool.close();
    appendFileSync(join(d, readdirSync(d)[0]!), '{"t":1,"m":"half');
    const again = await Spool.open({ dir: d, maxBytes: 1_000_000 });
    expect(plain(await again.read((await again.oldest(() => true))!))).toEqual(spooled(records(3)));
  });

  it('holds an append while full (backpressure) and takes it once a segment is removed; tryAppend gives up instead', async () => {
    const spool = await Spool.open({ dir: dir(), maxBytes: 300 });
    const fullChanges: boolean[] = [];
    const becameFull = new Promise<void>((resolve) => {
      spool.onFullChange = (full) => {
        fullChanges.push(full);
        if (full) resolve();
      };
    });
    await spool.append(records(6)); // ~190 bytes
    let taken = false;
    const waiting = spool.append(records(6, 6)).then(() => (taken = true));
    await becameFull;
    expect(taken).toBe(false);
    expect(spool.stats().full).toBe(true);
    expect(await spool.tryAppend(records(1, 50))).toBe(false);
    const oldest = await spool.oldest(() => false); // sealed for the waiting append already
    expect(oldest).toBeDefined();
    await spool.remove(oldest!);
    await waiting;
    expect(taken).toBe(true);
    expect(fullChanges).toEqual([true, false]);
    expect(spool.stats().records).toBe(6);
  });

  it('a batch larger than the whole spool is still taken when the spool is empty (it cannot wait forever)', async () => {
    const spool = await Spool.open({ dir: dir(), maxBytes: 10 });
    await spool.append(records(3));
    expect(spool.stats().records).toBe(3);
  });

  it('close rejects a waiting append with SpoolClosedError (tail keeps its checkpoint: the records are read again)', async () => {
    const spool = await Spool.open({ dir: dir(), maxBytes: 100 });
    await spool.append(records(4));
    const waiting = spool.append(records(4, 4)).then(
      () => undefined,
      (e: unknown) => e,
    );
    await spool.close();
    expect(await waiting).toBeInstanceOf(SpoolClosedError);
  });
});
