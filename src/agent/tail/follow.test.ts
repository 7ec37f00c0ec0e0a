import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from '../record.js';
import { FileTailer, type FollowOptions } from './follow.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hidsmon-tail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, to: number, prefix = 'line'): string => {
  let text = '';
  for (let i = from; i <= to; i++) text += `${prefix} ${i}\n`;
  return text;
};

/** Waits (bounded) until `test` holds. */
async function until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(options: Partial<FollowOptions> & Pick<FollowOptions, 'inputs'>, sink?: FollowOptions['sink']) {
  const got: string[] = [];
  const batches: RecordBatch[] = [];
  const controller = new AbortController();
  const tailer = new FileTailer({
    checkpointFile: join(dir, 'checkpoint.json'),
    startPosition: 'start',
    pollIntervalMs: 20,
    idleFlushMs: 150,
    shutdownGraceMs: 50,
    signal: controller.signal,
    sink: sink ?? (async (batch) => {
      batches.push(batch);
      for (const r of batch.records) got.push(r.message);
    }),
    ...options,
  });
  const done = tailer.run();
  return { got, batches, tailer, done, stop: async () => { controller.abort(); await done; } };
}

const savedOffset = (): number => (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { files: { offset: number }[] }).files[0]!.offset;

describe('FileTailer', () => {
  it('resumes from its checkpoint after a restart: nothing lost, only the uncommitted batch again; a pending sink stops reading and no checkpoint moves until it resolves', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 12));
    const seen: string[] = [];
    let calls = 0;
    const first = start({ inputs: [{ paths: [file], format: 'raw' }], maxBatchRecords: 5 }, async (batch) => {
      calls++;
      seen.push(...batch.records.map((r) => r.message));
      if (calls >= 2) await new Promise(() => undefined); // stays pending: backpressure
    });
    await until(() => calls === 2, 'two sink calls');
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(2); // no reading while the sink is pending
    expect(savedOffset()).toBe(Buffer.byteLength(lines(1, 5))); // only the resolved batch is checkpointed
    await first.stop();
    expect(savedOffset()).toBe(Buffer.byteLength(lines(1, 5)));

    appendFileSync(file, lines(13, 14));
    const second = start({ inputs: [{ paths: [file], format: 'raw' }], maxBatchRecords: 5 });
    await until(() => second.got.includes('line 14'), 'line 14');
    await second.stop();
    expect(second.got).toEqual(lines(6, 14).trim().split('\n')); // the uncommitted batch (6-10) again, then the rest
    expect(new Set([...seen, ...second.got]).size).toBe(14);
    expect(savedOffset()).toBe(Buffer.byteLength(lines(1, 14)));
  });

  it('while the sink holds reading back, keeps opening new files, so that two rename-and-create rotations during the stall lose nothing', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 2));
    let release: (() => void) | undefined;
    const stalled = new Promise<void>((resolve) => { release = resolve; });
    const got: string[] = [];
    let calls = 0;
    const t = start({ inputs: [{ paths: [file], format: 'raw' }] }, async (batch) => {
      if (calls++ === 0) await stalled;
      got.push(...batch.records.map((r) => r.message));
    });
    await until(() => calls === 1, 'the first sink call');
    appendFileSync(file, lines(3, 3));
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(4, 5));
    await until(() => t.tailer.status().files.length === 2, 'the second file opened during the stall');
    renameSync(file, `${file}.2`);
    writeFileSync(file, lines(6, 6));
    await until(() => t.tailer.status().files.length === 3, 'the third file opened during the stall');
    release!();
    await until(() => got.length >= 6, 'all lines');
    await t.stop();
    expect(got).toEqual(lines(1, 6).trim().split('\n'));
  });

  it('starts at the end of files already there with startPosition end, and a restart does not skip what came meanwhile', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const a = start({ inputs: [{ paths: [file], format: 'raw' }], startPosition: 'end' });
    await new Promise((r) => setTimeout(r, 100));
    await a.stop();
    expect(a.got).toEqual([]);
    appendFileSync(file, lines(4, 5));
    const b = start({ inputs: [{ paths: [file], format: 'raw' }], startPosition: 'end' });
    await until(() => b.got.length === 2, 'lines 4-5');
    await b.stop();
    expect(b.got).toEqual(['line 4', 'line 5']);
  });

  it('follows rename-and-create rotation: the old file is finished by its inode, the new one read from 0', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => t.got.length === 3, 'first lines');
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, lines(4, 6)); // the writer still had the old file open
    writeFileSync(file, lines(7, 9));
    await until(() => t.got.length >= 9, 'all lines');
    await until(() => t.tailer.status().files.length === 1, 'the old file closed');
    await t.stop();
    expect(t.got).toEqual(lines(1, 9).trim().split('\n'));
  });

  it('finishes a renamed file after a restart (found beside its old path by inode)', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const a = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => a.got.length === 3, 'first lines');
    await a.stop();
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, lines(4, 5));
    writeFileSync(file, lines(6, 6));
    const b = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => b.got.length === 3, 'the rest');
    await b.stop();
    expect(b.got.sort()).toEqual(['line 4', 'line 5', 'line 6']);
  });

  it('follows copytruncate: what was appended before the truncation is read from the copy, then the file from 0', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 5));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], pollIntervalMs: 200 });
    await until(() => t.got.length === 5, 'first lines');
    // All within one poll interval: the tailer never sees lines 6-8 in the original.
    appendFileSync(file, lines(6, 8));
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, lines(9, 10));
    await until(() => t.got.length >= 10, 'all lines');
    await new Promise((r) => setTimeout(r, 300));
    await t.stop();
    expect(t.got).toEqual(lines(1, 10).trim().split('\n'));
  });

  it('a copytruncate while a read is being delivered: the copy is found by the bytes read, not by the file hashed again after it (an empty file then matched any sibling)', async () => {
    const file = join(dir, 'alerts.json');
    // An older rotated file, sorted first and longer than the offset: what a loose fingerprint takes for the copy.
    writeFileSync(`${file}.0`, lines(1, 400, 'old'));
    writeFileSync(file, lines(1, 5));
    let rotated = false;
    const got: string[] = [];
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], maxBatchRecords: 50 }, async (batch) => {
      got.push(...batch.records.map((r) => r.message));
      if (!rotated && got.includes('line 55')) {
        // Mid-read (lines 56-100 are read but not yet delivered): more lines, then copytruncate.
        rotated = true;
        appendFileSync(file, lines(101, 110));
        copyFileSync(file, `${file}.1`);
        truncateSync(file, 0);
      }
    });
    await until(() => got.length === 5, 'first lines');
    appendFileSync(file, lines(6, 100));
    await until(() => rotated && got.includes('line 100'), 'the read during which the file was rotated');
    appendFileSync(file, lines(111, 120));
    await until(() => got.includes('line 120'), 'the lines after the rotation');
    await new Promise((r) => setTimeout(r, 300));
    await t.stop();
    expect(got.filter((line) => line.startsWith('old'))).toEqual([]);
    expect(got).toEqual(lines(1, 120).trim().split('\n'));
  });

  it('survives both rotations in turn, the copytruncate copy written over the renamed file still being finished', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], pollIntervalMs: 100, idleFlushMs: 2_000 });
    await until(() => t.got.length === 3, 'first lines');
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(4, 5));
    await until(() => t.got.length === 5, 'the new file');
    expect(t.tailer.status().files.some((f) => f.rotated)).toBe(true); // the renamed file is still followed
    appendFileSync(file, lines(6, 7));
    copyFileSync(file, `${file}.1`); // cp onto the existing .1: same inode, other content
    truncateSync(file, 0);
    appendFileSync(file, lines(8, 8));
    await until(() => t.got.length >= 8, 'all lines');
    await new Promise((r) => setTimeout(r, 300));
    await t.stop();
    expect(t.got).toEqual(lines(1, 8).trim().split('\n'));
  });

  it('notices a truncation that was rewritten past the old offset (the first bytes changed)', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 2, 'old'));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], pollIntervalMs: 200 });
    await until(() => t.got.length === 2, 'old lines');
    writeFileSync(file, lines(1, 6, 'new')); // same inode, longer than before
    await until(() => t.got.length >= 8, 'new lines');
    await t.stop();
    expect(t.got.slice(2)).toEqual(lines(1, 6, 'new').trim().split('\n'));
  });

  it('holds a partial last line until its newline arrives, even when the file is idle', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, 'first\npart');
    const t = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => t.got.length === 1, 'first');
    await new Promise((r) => setTimeout(r, 400)); // longer than idleFlushMs
    expect(t.got).toEqual(['first']);
    expect(savedOffset()).toBe(6);
    appendFileSync(file, 'ial\n');
    await until(() => t.got.length === 2, 'the completed line');
    await t.stop();
    expect(t.got).toEqual(['first', 'partial']);
  });

  it('ships a multi-line alerts.log record as one event, with the alert time from its header', async () => {
    const file = join(dir, 'alerts.log');
    const record = (id: string, ip: string) =>
      `** Alert ${id}: - syslog,sshd,authentication_failed,\n2023 Nov 14 22:13:20 web-1->/var/log/auth.log\nRule: 5716 (level 5) -> 'SSHD authentication failed.'\nSrc IP: ${ip}\nNov 14 22:13:20 web-1 sshd[1]: Failed password for root from ${ip}\n\n`;
    writeFileSync(file, record('1700000000.100', '10.0.0.1'));
    const t = start({ inputs: [{ paths: [file], format: 'alerts-log' }] });
    await until(() => t.got.length === 1, 'the first record (released when idle)');
    appendFileSync(file, record('1700000060.200', '10.0.0.2'));
    await until(() => t.got.length === 2, 'the second record');
    await t.stop();
    expect(t.got[0]!.split('\n')).toHaveLength(5);
    expect(t.got[0]).toMatch(/^\*\* Alert 1700000000\.100:[\s\S]*Failed password for root from 10\.0\.0\.1$/);
    expect(t.got[1]).toContain('10.0.0.2');
    expect(t.batches.flatMap((b) => b.records.map((r) => r.timestampMs))).toEqual([1_700_000_000_000, 1_700_000_060_000]);
  });

  it('turns invalid UTF-8 into U+FFFD and reads on; a character cut by a read boundary stays whole', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, Buffer.concat([Buffer.from('ok 1\n'), Buffer.from([0x62, 0xff, 0xfe, 0x61, 0x64, 0x0a]), Buffer.from('caf\u00e9 \u{1F600}\nok 2\n')]));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], readChunkBytes: 3 });
    await until(() => t.got.length === 4, 'four lines');
    await t.stop();
    expect(t.got).toEqual(['ok 1', 'b\uFFFD\uFFFDad', 'caf\u00e9 \u{1F600}', 'ok 2']);
  });

  it("follows OSSEC's daily archive rotation through a glob: yesterday's file is read to its end before today's", async () => {
    const day1 = join(dir, 'alerts', '2026', 'Nov', 'ossec-alerts-30.json');
    const day2 = join(dir, 'alerts', '2026', 'Dec', 'ossec-alerts-01.json');
    mkdirSync(join(dir, 'alerts', '2026', 'Nov'), { recursive: true });
    writeFileSync(day1, lines(1, 2, 'nov30'));
    const t = start({ inputs: [{ paths: [join(dir, 'alerts', '*', '*', 'ossec-alerts-*.json')], format: 'raw' }], startPosition: 'end' });
    // Appended only once day 1 is followed from its end: before that, "end" would include the new lines (a fixed wait raced under load).
    await until(() => t.tailer.status().files.some((f) => f.path === day1), 'day 1 followed');
    appendFileSync(day1, lines(3, 4, 'nov30'));
    mkdirSync(join(dir, 'alerts', '2026', 'Dec'), { recursive: true });
    writeFileSync(day2, lines(1, 2, 'dec01'));
    await until(() => t.got.length >= 4, 'both days');
    await t.stop();
    expect(t.got).toEqual(['nov30 3', 'nov30 4', 'dec01 1', 'dec01 2']);
  });

  it('retries a batch the sink rejected, and checkpoints it only once accepted', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const got: string[] = [];
    let calls = 0;
    const t = start({ inputs: [{ paths: [file], format: 'raw' }] }, async (batch) => {
      calls++;
      if (calls <= 2) {
        expect(savedOffset()).toBe(0);
        throw new Error('spool unavailable');
      }
      got.push(...batch.records.map((r) => r.message));
    });
    await until(() => got.length === 3, 'the accepted batch');
    await t.stop();
    expect(got).toEqual(['line 1', 'line 2', 'line 3']);
    expect(t.tailer.status()).toMatchObject({ sinkFailures: 2, recordsDelivered: 3, lastError: 'spool unavailable' });
    expect(savedOffset()).toBe(Buffer.byteLength(lines(1, 3)));
  });

  it('reads the copy of a copytruncate that happened while the agent was down from its checkpoint', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 3));
    const a = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => a.got.length === 3, 'first lines');
    await a.stop();
    appendFileSync(file, lines(4, 5));
    copyFileSync(file, `${file}-20261201`);
    truncateSync(file, 0);
    appendFileSync(file, lines(6, 6));
    const b = start({ inputs: [{ paths: [file], format: 'raw' }], once: true });
    await b.done;
    expect(b.got).toEqual(['line 4', 'line 5', 'line 6']);
  });

  it('with once, reads what is there (releasing the last alerts.log record, holding an unfinished line) and returns', async () => {
    const file = join(dir, 'alerts.log');
    writeFileSync(file, '** Alert 1700000000.1: - a\nRule: 1 (level 3) -> \'x\'\nbody\n\nunfinished');
    const t = start({ inputs: [{ paths: [file], format: 'auto' }], once: true, idleFlushMs: 60_000 });
    await t.done;
    expect(t.got).toEqual(["** Alert 1700000000.1: - a\nRule: 1 (level 3) -> 'x'\nbody"]);
    expect(savedOffset()).toBe(Buffer.byteLength(readFileSync(file)) - 'unfinished'.length);
  });

  it('on shutdown lets the batch in flight finish and saves its checkpoint', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 2));
    let release: (() => void) | undefined;
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], shutdownGraceMs: 5_000 }, () => new Promise<void>((resolve) => { release = resolve; }));
    await until(() => release !== undefined, 'the sink call');
    const stopped = t.stop();
    await new Promise((r) => setTimeout(r, 50));
    release!();
    await stopped;
    expect(savedOffset()).toBe(Buffer.byteLength(lines(1, 2)));
  });

  it('closes a file idle with everything committed, and reads it again when it grows or is rotated', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 2));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }], closeIdleAfterMs: 100 });
    await until(() => t.got.length === 2 && t.tailer.status().files[0]?.dormant === true, 'the file dormant');
    expect(t.tailer.status().files).toMatchObject([{ path: file, committedOffset: Buffer.byteLength(lines(1, 2)) }]);
    appendFileSync(file, lines(3, 3));
    await until(() => t.got.length === 3, 'line 3');
    await until(() => t.tailer.status().files[0]?.dormant === true, 'dormant again');
    // Rotated while closed, with a last write to the old file first.
    appendFileSync(file, lines(4, 4));
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(5, 5));
    await until(() => t.got.length >= 5, 'lines 4 and 5');
    await t.stop();
    expect(t.got.slice().sort()).toEqual(lines(1, 5).trim().split('\n'));
    expect(t.got).toHaveLength(5);
  });

  it('when a file read to its end is found renamed at another input path, its entry and status name the new path, not its successor\'s', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 4));
    const inputs = [{ paths: [`${file}*`], format: 'raw' as const }];
    const a = start({ inputs });
    await until(() => a.got.length === 4, 'the first file');
    await a.stop();
    renameSync(file, `${file}.1`); // rotated while the agent was down: nothing left to read in it
    writeFileSync(file, lines(5, 5));
    const b = start({ inputs });
    await until(() => b.got.includes('line 5'), 'the new file');
    await b.stop();
    const byPath = new Map(b.tailer.status().files.map((f) => [f.path, f.committedOffset]));
    expect(byPath.get(file)).toBe(Buffer.byteLength(lines(5, 5)));
    expect(byPath.get(`${file}.1`)).toBe(Buffer.byteLength(lines(1, 4)));
    const saved = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { files: { file: string; offset: number }[] };
    expect(saved.files.filter((f) => f.file === file)).toEqual([expect.objectContaining({ offset: Buffer.byteLength(lines(5, 5)) })]);
  });

  it('writes a versioned checkpoint with the file identity', async () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, lines(1, 1));
    const t = start({ inputs: [{ paths: [file], format: 'raw' }] });
    await until(() => t.got.length === 1, 'a line');
    await t.stop();
    const saved = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    expect(saved.version).toBe(1);
    expect(saved.files[0]).toMatchObject({ file, offset: 7, fingerprint: expect.stringMatching(/^7:[0-9a-f]{64}$/) });
    expect(saved.files[0].ino).toBeGreaterThan(0);
  });
});
