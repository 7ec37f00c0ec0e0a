import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../testing/cli-harness.js';
import { CredentialStore } from '../server/credential-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-keys-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ACCOUNT = { owner: '123456789012', region: 'us-east-1' };

const cli = (argv: string[]): Promise<CliRun> => runCli(argv);

describe('hidsmon keys', () => {
  const data = join(tmp, 'data');

  it('creates an agent key scoped to log groups, printing its secret once, stored 0600', async () => {
    const r = await cli(['keys', 'create', '--profile', 'agent', '--log-group', 'hids-alerts', '--log-group', 'web-*', '--description', 'web hosts', '--data', data]);
    expect(r.code).toBe(0);
    const id = /AWS_ACCESS_KEY_ID=(HIDS[0-9A-F]{16})/.exec(r.stdout)?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(r.stdout).toMatch(/log groups: hids-alerts, web-\*/);
    const file = join(data, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The server's store finds it, with the scope.
    const grant = CredentialStore.open({ dataDir: data, account: ACCOUNT }).store.lookupAccessKey(id!);
    expect(grant?.secret).toBe(secret);
    expect(grant?.policy.statements[0]?.resources).toContain('arn:aws:logs:us-east-1:123456789012:log-group:web-*:*');
  });

  it('creates API tokens with a role, found by their secret', async () => {
    const r = await cli(['keys', 'create', '--token', '--role', 'viewer', '--data', data]);
    expect(r.code).toBe(0);
    const secret = /token: (\S+)/.exec(r.stdout)?.[1] as string;
    const id = /API token (tok-[0-9a-f]{8}) created \(role viewer\)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(CredentialStore.open({ dataDir: data, account: ACCOUNT }).store.lookupApiToken(secret)).toEqual({ kind: 'api-token', id, role: 'viewer' });
  });

  it('lists keys and tokens without their secrets, as a table and as JSON', async () => {
    const file = readFileSync(join(data, 'credentials.json'), 'utf8');
    const secrets = [...file.matchAll(/"secret": "([^"]+)"/g)].map((m) => m[1] as string);
    expect(secrets).toHaveLength(2);
    const table = await cli(['keys', 'list', '--data', data]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+KIND\s+PROFILE\/ROLE\s+LOG GROUPS\s+CREATED\s+STATUS\s+DESCRIPTION\n/);
    expect(table.stdout).toMatch(/access-key\s+agent\s+hids-alerts,web-\*\s+\S+\s+active\s+web hosts/);
    expect(table.stdout).toMatch(/api-token\s+viewer\s+-\s+\S+\s+active/);
    const json = await cli(['keys', 'list', '--json', '--data', data]);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.kind)).toEqual(['access-key', 'api-token']);
    for (const s of secrets) {
      expect(table.stdout).not.toContain(s);
      expect(json.stdout).not.toContain(s);
    }
  });

  it('revokes by id: the key is refused from then on and listed as revoked', async () => {
    const rows = (await cli(['keys', 'list', '--json', '--data', data])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const id = rows[0].id as string;
    const r = await cli(['keys', 'revoke', id, '--data', data]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`revoked ${id}`);
    expect(CredentialStore.open({ dataDir: data, account: ACCOUNT }).store.lookupAccessKey(id)).toBeUndefined();
    expect((await cli(['keys', 'list', '--data', data])).stdout).toMatch(new RegExp(`${id}.*revoked \\d{4}-`));
    expect((await cli(['keys', 'revoke', id, '--data', data])).stderr).toContain('already revoked');
    const unknown = await cli(['keys', 'revoke', 'HIDSNOSUCHKEY00000', '--data', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no key or token HIDSNOSUCHKEY00000/);
  });

  it('explains usage mistakes with exit code 2', async () => {
    for (const [argv, message] of [
      [['keys'], /Say what to do: list, create or revoke/],
      [['keys', 'rotate'], /Unknown keys command "rotate"/],
      [['keys', 'create'], /--profile agent \(for a host/],
      [['keys', 'create', '--profile', 'root'], /--profile is agent or admin, not "root"/],
      [['keys', 'create', '--profile', 'agent', '--log-group', 'bad:name'], /--log-group "bad:name" is not a log group name/],
      [['keys', 'create', '--token'], /--role viewer/],
      [['keys', 'create', '--token', '--role', 'admin', '--profile', 'agent'], /a token has a --role/],
      [['keys', 'create', '--profile', 'agent', '--role', 'viewer'], /a key has a --profile/],
      [['keys', 'revoke'], /Say which key or token to revoke/],
      [['keys', 'list', '--secret'], /Unknown option '--secret'/],
    ] as const) {
      const r = await cli([...argv, '--data', data]);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it('creates a key with its own IAM policy document, and refuses one it could not enforce', async () => {
    const policy = join(tmp, 'reader.json');
    writeFileSync(policy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'], Resource: 'arn:aws:logs:*:*:log-group:hids-alerts:*' }] }));
    const r = await cli(['keys', 'create', '--policy', policy, '--data', data]);
    expect(r.code).toBe(0);
    const id = /AWS_ACCESS_KEY_ID=(HIDS[0-9A-F]{16})/.exec(r.stdout)![1]!;
    const grant = CredentialStore.open({ dataDir: data, account: ACCOUNT }).store.lookupAccessKey(id);
    expect(grant?.policy.statements).toEqual([{ actions: ['logs:GetLogEvents', 'logs:FilterLogEvents'], resources: ['arn:aws:logs:*:*:log-group:hids-alerts:*'] }]);
    expect((await cli(['keys', 'list', '--data', data])).stdout).toMatch(new RegExp(`${id}\\s+access-key\\s+custom`));
    writeFileSync(policy, JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 'logs:*', Resource: '*' }] }));
    const denied = await cli(['keys', 'create', '--policy', policy, '--data', data]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/is not a policy hidsmon can enforce:\n {2}- Statement\[0\]: Effect must be "Allow"/);
    expect((await cli(['keys', 'create', '--policy', policy, '--profile', 'agent', '--data', data])).stderr).toMatch(/--policy replaces --profile/);
  });

  it('refuses credentials others can read, as the server does, saying what to run', async () => {
    const loose = join(tmp, 'loose');
    expect((await cli(['keys', 'create', '--profile', 'agent', '--data', loose])).code).toBe(0);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    chmodSync(join(loose, 'credentials.json'), 0o644);
    const r = await cli(['keys', 'list', '--data', loose]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/chmod 600 /);
  });

  it('prints help that says which key goes where', async () => {
    const r = await cli(['keys', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/agent key\s+on each monitored host/);
    expect(r.stdout).toMatch(/admin key\s+in operators' aws CLI/);
  });

  it('says so when the file is broken, and on a data directory without one', async () => {
    const empty = join(tmp, 'empty');
    const none = await cli(['keys', 'list', '--data', empty]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/there is no .*credentials\.json yet/);
    const broken = join(tmp, 'broken');
    await cli(['keys', 'create', '--token', '--role', 'admin', '--data', broken]);
    writeFileSync(join(broken, 'credentials.json'), '{"version": 1, "access_keys": [{"id": "x"}]}', { mode: 0o600 });
    const r = await cli(['keys', 'list', '--data', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/credentials\.json cannot be read:\n {2}- access_keys\[0\]\.id must be/);
  });
});
