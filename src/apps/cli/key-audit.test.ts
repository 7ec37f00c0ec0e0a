/** Key changes made with `hidsmon keys` beside a running server reach its audit log (through the inbox), with the key id and the user. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config/server-config.js';
import { runCli } from '../../testing/cli-harness.js';
import { startServer, type RunningServer } from '../server/server.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-key-audit-'));
const TOKEN = 'key-audit-api-token-0123456789abcdef';
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('hidsmon keys and the audit log', () => {
  it('create and revoke beside a running server appear in GET /api/audit within seconds', async () => {
    const data = join(tmp, 'data');
    server = await startServer({ ...DEFAULTS, port: 0, dataDir: data, apiTokens: [TOKEN] }, { logger: pino({ level: 'silent' }) });
    const created = await runCli(['keys', 'create', '--profile', 'agent', '--data', data]);
    expect(created.code).toBe(0);
    const id = /Access key (\S+) created/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await runCli(['keys', 'revoke', id!, '--data', data])).code).toBe(0);
    let entries: Array<{ action: string; resource: string; outcome: string; message: string; detail: Record<string, unknown> }> = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && entries.length < 2; ) {
      await new Promise((r) => setTimeout(r, 100));
      const response = await fetch(`${server.url}/api/audit?action=keys:`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      entries = ((await response.json()) as { entries: typeof entries }).entries;
    }
    expect(entries.map((e) => `${e.action} ${e.resource} ${e.outcome}`)).toEqual([`keys:Revoke ${id} allowed`, `keys:CreateAccessKey ${id} allowed`]);
    expect(entries[1]!.detail).toMatchObject({ via: 'cli', profile: 'agent' });
    expect(entries[1]!.message).toMatch(/By hidsmon keys, as user /);
    // Never the secret.
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(JSON.stringify(entries)).not.toContain(secret);
  }, 60_000);
});
