import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointEntry } from './checkpoint.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hidsmon-checkpoint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry: CheckpointEntry = { file: '/var/ossec/logs/alerts/alerts.json', dev: 2049, ino: 1234, fingerprint: '3:abc', offset: 99, updatedAtMs: 5, format: 'ossec-json' };

describe('checkpoint', () => {
  it('round-trips a versioned checkpoint', () => {
    expect(decodeCheckpoint(encodeCheckpoint([entry]))).toEqual({ ok: true, value: [entry] });
  });

  it('refuses another version and text that is not JSON, and skips malformed entries', () => {
    expect(decodeCheckpoint('{"version":2,"files":[]}')).toMatchObject({ ok: false, error: { code: 'checkpoint_version' } });
    expect(decodeCheckpoint('{"version":1,')).toMatchObject({ ok: false, error: { code: 'checkpoint_invalid' } });
    expect(decodeCheckpoint('{"version":1,"files":[{"file":"x","offset":-1}, {"file":"y","dev":1,"ino":2,"fingerprint":"0:","offset":0,"format":"nope"}]}')).toEqual({
      ok: true, value: [{ file: 'y', dev: 1, ino: 2, fingerprint: '0:', offset: 0, updatedAtMs: 0 }],
    });
  });

  it('replaces the file atomically: a torn temp file from a killed write is never read, and none is left', async () => {
    const path = join(dir, 'checkpoint.json');
    await saveCheckpoint(path, [entry]);
    writeFileSync(`${path}.tmp`, '{"version":1,"fi'); // a write killed half-way
    expect(await loadCheckpoint(path)).toEqual({ ok: true, value: [entry] });
    await saveCheckpoint(path, [{ ...entry, offset: 200 }]);
    expect(await loadCheckpoint(path)).toMatchObject({ ok: true, value: [{ offset: 200 }] });
    expect(readdirSync(dir)).toEqual(['checkpoint.json']);
  });

  it('reads a missing checkpoint as empty', async () => {
    expect(await loadCheckpoint(join(dir, 'none.json'))).toEqual({ ok: true, value: [] });
  });
});
