import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../core/iam-policy.js';
import { CredentialStore, CredentialsFileError } from './credential-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-credstore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ACCOUNT = { owner: '123456789012', region: 'us-east-1' };
let n = 0;
const dir = (): string => join(tmp, `d${++n}`);
const can = (store: CredentialStore, id: string, action: string, resource = 'arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:'): boolean =>
  evaluatePolicy(store.lookupAccessKey(id)!.policy, action, resource).allowed;

describe('CredentialStore', () => {
  it('a first start makes an agent key, an admin key, a viewer token and an admin token, in a versioned 0600 file written whole', () => {
    const dataDir = dir();
    const { store, generated } = CredentialStore.open({ dataDir, account: ACCOUNT });
    expect(generated?.agentKey?.id).toMatch(/^HIDS[0-9A-F]{16}$/);
    expect(generated?.adminKey?.id).toMatch(/^HIDS[0-9A-F]{16}$/);
    expect(generated?.viewerToken?.role).toBe('viewer');
    expect(generated?.adminToken?.role).toBe('admin');
    expect(can(store, generated!.agentKey!.id, 'logs:PutLogEvents')).toBe(true);
    expect(can(store, generated!.agentKey!.id, 'logs:PutSubscriptionFilter')).toBe(false);
    expect(can(store, generated!.adminKey!.id, 'logs:PutSubscriptionFilter')).toBe(true);
    expect(store.lookupAccessKey(generated!.agentKey!.id)?.principal).toEqual({ kind: 'access-key', id: generated!.agentKey!.id, arn: `arn:aws:iam::123456789012:user/hidsmon/${generated!.agentKey!.id}` });
    const file = join(dataDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, access_keys: [{ profile: 'agent' }, { profile: 'admin' }], api_tokens: [{ role: 'viewer' }, { role: 'admin' }] });
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The next start finds them and makes nothing.
    const again = CredentialStore.open({ dataDir, account: ACCOUNT });
    expect(again.generated).toBeUndefined();
    expect(again.store.lookupApiToken(generated!.viewerToken!.secret)).toEqual({ kind: 'api-token', id: generated!.viewerToken!.id, role: 'viewer' });
  });

  it('configured keys are agent keys unless they say admin; configured tokens are admin; nothing is generated for what is configured', () => {
    const { store, generated } = CredentialStore.open({
      dataDir: dir(),
      account: ACCOUNT,
      configuredKeys: [
        { id: 'AKIAHOSTKEY0000001', secret: 'host-secret-0123456789' },
        { id: 'AKIAOPSKEY00000001', secret: 'ops-secret-01234567890', profile: 'admin' },
      ],
      configuredTokens: ['configured-token-0123456789abcdef'],
    });
    expect(generated).toBeUndefined();
    expect(can(store, 'AKIAHOSTKEY0000001', 'logs:CreateLogStream')).toBe(true);
    expect(can(store, 'AKIAHOSTKEY0000001', 'logs:DeleteLogGroup')).toBe(false);
    expect(can(store, 'AKIAOPSKEY00000001', 'logs:DeleteLogGroup')).toBe(true);
    expect(store.lookupApiToken('configured-token-0123456789abcdef')).toEqual({ kind: 'api-token', id: 'config-token-1', role: 'admin' });
    expect(store.revoke('AKIAHOSTKEY0000001')).toBe('configured');
  });

  it('migrates the first format: its key (every host had it) becomes an agent key, its token an admin token', () => {
    const dataDir = dir();
    const file = join(dataDir, 'credentials.json');
    CredentialStore.open({ dataDir, account: ACCOUNT, configuredKeys: [{ id: 'AKIAX0000000000000', secret: 'x'.repeat(20) }], configuredTokens: ['t'.repeat(24)] });
    writeFileSync(file, JSON.stringify({ access_key_id: 'HIDS0123456789ABCDEF', secret_access_key: 'old-secret-0123456789abcdef', api_token: 'old-token-0123456789abcdef' }), { mode: 0o600 });
    const { store, migrated, generated } = CredentialStore.open({ dataDir, account: ACCOUNT });
    expect(migrated).toBe(true);
    expect(generated).toBeUndefined();
    expect(store.lookupAccessKey('HIDS0123456789ABCDEF')?.secret).toBe('old-secret-0123456789abcdef');
    expect(can(store, 'HIDS0123456789ABCDEF', 'logs:PutLogEvents')).toBe(true);
    expect(can(store, 'HIDS0123456789ABCDEF', 'logs:PutRetentionPolicy')).toBe(false);
    expect(store.lookupApiToken('old-token-0123456789abcdef')?.role).toBe('admin');
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('sees keys made and revoked by another process without being reopened', async () => {
    const dataDir = dir();
    const server = CredentialStore.open({ dataDir, account: ACCOUNT }).store;
    const cli = CredentialStore.open({ dataDir, account: ACCOUNT, generate: false }).store;
    const token = cli.createApiToken({ role: 'viewer' });
    // A miss looks at the file at once.
    expect(server.lookupApiToken(token.secret)?.id).toBe(token.id);
    const key = cli.createAccessKey({ profile: 'admin', logGroups: ['hids-*'] });
    expect(server.lookupAccessKey(key.id)?.secret).toBe(key.secret);
    expect(cli.revoke(token.id)).toBe('revoked');
    expect(cli.revoke(key.id)).toBe('revoked');
    expect(cli.revoke(key.id)).toBe('already');
    expect(cli.revoke('nope')).toBe('unknown');
    // A hit is looked at again within a second.
    await new Promise((r) => setTimeout(r, 1050));
    expect(server.lookupApiToken(token.secret)).toBeUndefined();
    expect(server.lookupAccessKey(key.id)).toBeUndefined();
    expect(server.entries().accessKeys.find((k) => k.id === key.id)?.revoked).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('refuses a file it cannot read with what is wrong in it, and a running store keeps what it had', async () => {
    const dataDir = dir();
    const { store, generated } = CredentialStore.open({ dataDir, account: ACCOUNT });
    writeFileSync(join(dataDir, 'credentials.json'), JSON.stringify({ version: 1, access_keys: [{ id: 'lower', secret: 'short', profile: 'root', created: 'x' }] }));
    await new Promise((r) => setTimeout(r, 1050));
    expect(store.lookupAccessKey(generated!.agentKey!.id)?.secret).toBe(generated!.agentKey!.secret);
    let error: unknown;
    try {
      CredentialStore.open({ dataDir, account: ACCOUNT });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsFileError);
    expect((error as CredentialsFileError).problems).toEqual([
      'access_keys[0].id must be 16-128 upper-case letters and digits.',
      'access_keys[0].secret must be a string of at least 16 characters.',
      'access_keys[0].profile must be one of agent, admin.',
    ]);
    writeFileSync(join(dataDir, 'credentials.json'), JSON.stringify({ version: 2 }));
    expect(() => CredentialStore.open({ dataDir, account: ACCOUNT })).toThrow(/version 2 is not one this hidsmon reads/);
  });

  it('changes the file under a lock: waits for a live one, takes over one left by a dead process', () => {
    const dataDir = dir();
    const { store } = CredentialStore.open({ dataDir, account: ACCOUNT });
    const lock = join(dataDir, 'credentials.json.lock');
    writeFileSync(lock, '');
    expect(() => store.createApiToken({ role: 'viewer' })).toThrow(/credentials\.json\.lock is held by another process/);
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const token = store.createApiToken({ role: 'viewer' });
    expect(store.lookupApiToken(token.secret)?.id).toBe(token.id);
    expect(existsSync(lock)).toBe(false);
  });

  it('finds no token for a wrong secret, one of the same length, or a prefix', () => {
    const { store, generated } = CredentialStore.open({ dataDir: dir(), account: ACCOUNT });
    const secret = generated!.adminToken!.secret;
    expect(store.lookupApiToken(secret)?.role).toBe('admin');
    expect(store.lookupApiToken(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(store.lookupApiToken(secret.slice(0, 10))).toBeUndefined();
    expect(store.lookupApiToken('')).toBeUndefined();
  });
});
