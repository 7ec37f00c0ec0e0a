/**
 * The agent's default credential chain: the environment first, then the shared files' static keys
 * (the profile's section in credentials, then in config), a container endpoint, then the instance
 * role by IMDSv2 (a fake metadata server here), fetched again before it expires; a profile that
 * needs what the agent does not do is refused with a clear message.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCredentialChain, parseIni } from './credentials.js';

const home = mkdtempSync(join(tmpdir(), 'hidsmon-creds-'));
mkdirSync(join(home, '.aws'));
let imds: Server;
let imdsUrl = '';
let served = 0;
let expiresInMs = 3_600_000;
const requests: string[] = [];
beforeAll(async () => {
  imds = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] ?? ''}`);
    if (req.url === '/ecs/creds') return res.end(JSON.stringify({ AccessKeyId: 'ASIAECS', SecretAccessKey: 's', Token: 'e' }));
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('tok');
    if (req.headers['x-aws-ec2-metadata-token'] !== 'tok') return res.writeHead(401).end();
    if (req.url === '/latest/meta-data/iam/security-credentials/') return res.end('hids-role\n');
    if (req.url === '/latest/meta-data/iam/security-credentials/hids-role') {
      served++;
      return res.end(JSON.stringify({ AccessKeyId: `ASIA${served}`, SecretAccessKey: 's', Token: 't', Expiration: new Date(Date.now() + expiresInMs).toISOString() }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
  imdsUrl = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
});
afterAll(() => {
  imds.close();
  rmSync(home, { recursive: true, force: true });
});

describe('defaultCredentialChain', () => {
  it('takes the environment first, with a session token', async () => {
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n');
    const chain = defaultCredentialChain({ home, env: { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'e', AWS_SESSION_TOKEN: 'st' } });
    expect(await chain()).toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'e', sessionToken: 'st' });
  });

  it("then the profile's static keys: the credentials file, then [profile x] in the config file", async () => {
    writeFileSync(join(home, '.aws', 'credentials'), '# keys\n[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n[other]\n');
    writeFileSync(join(home, '.aws', 'config'), '[profile ops]\nregion = eu-west-1\naws_access_key_id=AKIACONFIG\naws_secret_access_key=c\n');
    expect((await defaultCredentialChain({ home, env: {} })()).accessKeyId).toBe('AKIAFILE');
    expect((await defaultCredentialChain({ home, env: { AWS_PROFILE: 'ops' } })()).accessKeyId).toBe('AKIACONFIG');
  });

  it('refuses a profile that assumes a role, saying what to do instead', async () => {
    writeFileSync(join(home, '.aws', 'config'), '[profile assume]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n');
    await expect(defaultCredentialChain({ home, env: { AWS_PROFILE: 'assume' } })()).rejects.toThrow(/a role assumed.*static keys.*instance role/);
  });

  it("then a container's credentials endpoint", async () => {
    const chain = defaultCredentialChain({ home: join(home, 'none'), env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${imdsUrl}/ecs/creds` } });
    expect(await chain()).toEqual({ accessKeyId: 'ASIAECS', secretAccessKey: 's', sessionToken: 'e' });
  });

  it('then the instance role by IMDSv2, kept until 5 minutes before it expires, then fetched again', async () => {
    requests.length = 0;
    served = 0;
    expiresInMs = 3_600_000;
    const chain = defaultCredentialChain({ home: join(home, 'none'), env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl } });
    const first = await chain();
    expect(first).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
    expect(first.expiration!.getTime()).toBeGreaterThan(Date.now());
    expect(requests[0]).toBe('PUT /latest/api/token ');
    expect((await chain()).accessKeyId).toBe('ASIA1'); // cached
    expiresInMs = 60_000; // the next ones expire within the refresh margin: each call fetches again
    const chain2 = defaultCredentialChain({ home: join(home, 'none'), env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl } });
    expect((await chain2()).accessKeyId).toBe('ASIA2');
    expect((await chain2()).accessKeyId).toBe('ASIA3');
  });

  it('says there are none when metadata is disabled and nothing else is set', async () => {
    await expect(defaultCredentialChain({ home: join(home, 'none'), env: { AWS_EC2_METADATA_DISABLED: 'true' } })()).rejects.toThrow(/No AWS credentials/);
  });

  it('parses INI sections into maps (any key is data)', () => {
    const ini = parseIni('[default]\n__proto__ = x\n; c\n[profile  a]\nk=v=w\n');
    expect(ini.get('default')!.get('__proto__')).toBe('x');
    expect(ini.get('profile a')!.get('k')).toBe('v=w');
  });
});
