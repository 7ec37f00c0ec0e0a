/** The audit inbox: entries appended by another process reach the store, malformed lines do not, nothing taken is lost. */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../core/audit.js';
import { runCli } from '../testing/cli-harness.js';
import { AUDIT_INBOX, appendAuditInbox, takeAuditInbox, watchAuditInbox } from './audit-inbox.js';
import { AuditStore } from './audit-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-audit-inbox-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const entry = (i: number): AuditEntry => ({ timeMs: Date.now(), actor: { kind: 'system', id: 'hidsmon' }, action: 'keys:Create', resource: `AKIAKEY${i}`, outcome: 'allowed', message: 'by hidsmon keys create' });
const all = { actors: [], actions: [], outcomes: [], resources: [], limit: 1000 };

describe('audit inbox', () => {
  it('a running store takes in what another process appends, skipping lines that are not entries', async () => {
    const dir = join(tmp, 'running');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const store = await AuditStore.open({ path: join(dir, 'audit.duckdb') });
    const stop = watchAuditInbox(dir, store, (e) => {
      throw e;
    }, 50);
    try {
      appendAuditInbox(dir, entry(1));
      appendFileSync(join(dir, AUDIT_INBOX), '{"not": "an entry"}\nnot json\n');
      appendAuditInbox(dir, entry(2));
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        if ((await store.search(all)).entries.length >= 2 && !readdirSync(dir).some((f) => f.startsWith(AUDIT_INBOX))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await store.search(all)).entries.map((e) => e.resource)).toEqual(['AKIAKEY2', 'AKIAKEY1']);
      expect(readdirSync(dir).filter((f) => f.startsWith(AUDIT_INBOX))).toEqual([]);
    } finally {
      stop();
      await store.close();
    }
  });

  it('entries left while no server ran are taken in by the next open (hidsmon audit --data reads them)', async () => {
    const dir = join(tmp, 'stopped');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const store = await AuditStore.open({ path: join(dir, 'audit.duckdb') });
    await store.close();
    appendAuditInbox(dir, entry(3));
    const shown = await runCli(['audit', '--data', dir, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout.trim()).resource).toBe('AKIAKEY3');
    expect(existsSync(join(dir, AUDIT_INBOX))).toBe(false);
    // Taken once: a second read shows it once.
    const again = await runCli(['audit', '--data', dir, '--json']);
    expect(again.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('a crash after moving the inbox aside loses nothing: the moved file is taken in next time', async () => {
    const dir = join(tmp, 'crash');
    const { mkdirSync, renameSync } = await import('node:fs');
    mkdirSync(dir);
    appendAuditInbox(dir, entry(4));
    renameSync(join(dir, AUDIT_INBOX), join(dir, `${AUDIT_INBOX}.taking-1-1`));
    const store = await AuditStore.open({ path: ':memory:' });
    const result = await takeAuditInbox(dir, (e) => store.record(e), () => store.flushed());
    expect(result).toEqual({ taken: 1, invalid: 0 });
    expect((await store.search(all)).entries.map((e) => e.resource)).toEqual(['AKIAKEY4']);
    await store.close();
  });
});
