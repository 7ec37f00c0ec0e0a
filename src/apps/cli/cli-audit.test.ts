/** Index deletions made with `hidsmon indices` (no server running) reach the audit log through the inbox, with the user, at the next look. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import { DuckDbStore } from '../../sinks/duckdb/store.js';
import { runCli } from '../../testing/cli-harness.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-cli-audit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hidsmon indices and the audit log', () => {
  it('--delete and --older-than record index:Delete, shown by hidsmon audit --data', async () => {
    const data = join(tmp, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const store = await DuckDbStore.open({ path: join(data, 'index.duckdb') });
    const days = [Date.UTC(2024, 2, 1, 12), Date.UTC(2024, 2, 2, 12), Date.UTC(2024, 2, 3, 12)];
    const written = await store.write(days.map((t, i) => documentFromLogEvent({ eventId: cloudWatchEventId(t, i), timestampMs: t, message: '{"rule":{"level":3}}', owner: 'o', logGroup: 'g', logStream: 's' })));
    expect(written.kind).toBe('ok');
    await store.close();
    const now = () => Date.UTC(2024, 2, 3, 13);
    expect((await runCli(['indices', '--delete', 'cwl-2024.03.02', '--data', data], { now })).code).toBe(0);
    expect((await runCli(['indices', '--older-than', '1', '--data', data], { now })).code).toBe(0);
    const shown = await runCli(['audit', '--data', data, '--json', '--action', 'index:']);
    expect(shown.code).toBe(0);
    const entries = shown.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(entries.map((e) => `${e.action} ${e.resource}`)).toEqual(['index:Delete cwl-2024.03.02', 'index:Delete cwl-2024.03.01']);
    expect(entries[0]).toMatchObject({ actor: { kind: 'system' }, outcome: 'allowed', detail: { via: 'cli' } });
    expect(entries[0].message).toMatch(/By hidsmon indices, as user /);
    expect(entries[1].detail).toMatchObject({ olderThanDays: 1 });
  });
});
