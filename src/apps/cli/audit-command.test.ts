/** `hidsmon audit`: tails a running server's audit log (and --follow sees new entries), reads a data directory when none runs, fails clearly. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../config/server-config.js';
import { runCli } from '../../testing/cli-harness.js';
import { freePort } from '../../testing/processes.js';
import { startServer, type RunningServer } from '../server/server.js';
import { run, type CommandContext } from './main.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-audit-cli-'));
const KEY = { id: 'AKIAHIDSMONAUDITCLI1', secret: 'audit-cli-secret-0123456789', profile: 'admin' as const };
const TOKEN = 'audit-cli-api-token-0123456789abcdef';
const data = join(tmp, 'data');
const config: ServerConfig = { ...DEFAULTS, port: 0, dataDir: data, accessKeys: [KEY], apiTokens: [TOKEN] };
let server: RunningServer | undefined;
let cw: CloudWatchLogsClient;

beforeAll(async () => {
  server = await startServer(config, { logger: pino({ level: 'silent' }) });
  cw = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
  await cw.send(new CreateLogGroupCommand({ logGroupName: 'first-group' }));
  server.audit.record({ timeMs: Date.now(), actor: { kind: 'anonymous', id: '-' }, sourceIp: '10.9.9.9', action: 'session:Login', outcome: 'denied', message: 'evil \u001b[2J\u001b]0;pwned\u0007 text' });
  await server.audit.flushed();
});
afterAll(async () => {
  cw?.destroy();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('hidsmon audit', () => {
  it('shows the newest entries of a running server, oldest first, with filters', async () => {
    const all = await runCli(['audit', '--url', server!.url, '--token', TOKEN, '--json']);
    expect(all.code).toBe(0);
    const entries = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(entries.map((e) => e.action)).toEqual(['logs:CreateLogGroup', 'session:Login']);
    expect(entries[0]).toMatchObject({ actor: { kind: 'access-key', id: KEY.id }, outcome: 'allowed' });
    const denied = await runCli(['audit', '--url', server!.url, '--token', TOKEN, '--outcome', 'denied', '--since', '1h']);
    expect(denied.code).toBe(0);
    expect(denied.stdout.trim().split('\n')).toHaveLength(1);
    // An attacker's escape sequences reach the terminal as visible text.
    expect(denied.stdout).not.toMatch(/\u001b/);
    expect(denied.stdout).toContain('evil \\u001b[2J\\u001b]0;pwned\\u0007 text');
  });

  it('--follow prints an entry recorded after it started, and stops cleanly on Ctrl-C', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const controller = new AbortController();
    const ctx: CommandContext = { stdin: Readable.from([]), stdout, stderr: new PassThrough(), stderrIsTTY: false, now: Date.now, signal: controller.signal };
    const running = run(['audit', '--url', server!.url, '--token', TOKEN, '--follow', '--interval', '100', '--action', 'logs:Create*', '--json'], ctx);
    const waitFor = async (test: () => boolean): Promise<boolean> => {
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        if (test()) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return test();
    };
    expect(await waitFor(() => out.includes('first-group'))).toBe(true);
    await cw.send(new CreateLogGroupCommand({ logGroupName: 'second-group' }));
    expect(await waitFor(() => out.includes('second-group'))).toBe(true);
    controller.abort();
    expect(await running).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.resource.replace(/^.*:log-group:([^:]+).*$/, '$1'))).toEqual(['first-group', 'second-group']);
  }, 30_000);

  it('fails clearly: no token, a refused token, a server that is not there, bad options', async () => {
    const saved = process.env['HIDSMON_API_TOKEN'];
    delete process.env['HIDSMON_API_TOKEN'];
    try {
      const none = await runCli(['audit', '--url', server!.url]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/is running: reading its audit log needs an admin API token: pass --token or set \$HIDSMON_API_TOKEN/);
    } finally {
      if (saved !== undefined) process.env['HIDSMON_API_TOKEN'] = saved;
    }
    const refused = await runCli(['audit', '--url', server!.url, '--token', 'not-a-token-of-this-server']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token \(401\)/);
    const gone = await runCli(['audit', '--url', 'http://127.0.0.1:9', '--token', TOKEN]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
    expect((await runCli(['audit', '--outcome', 'maybe'])).code).toBe(2);
    expect((await runCli(['audit', '--since', 'yesterday'])).stderr).toMatch(/--since/);
    expect((await runCli(['audit', '--follow', '--data', data])).code).toBe(2);
    const help = await runCli(['audit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--follow/);
  });

  it('reads the data directory once the server is stopped', async () => {
    expect(await server!.stop()).toBe(true);
    server = undefined;
    const direct = await runCli(['audit', '--data', data, '--json', '--action', 'logs:']);
    expect(direct.code).toBe(0);
    expect(direct.stdout.trim().split('\n').map((l) => JSON.parse(l).resource.replace(/^.*:log-group:([^:]+).*$/, '$1'))).toEqual(['first-group', 'second-group']);
    // No --url, no --data: no server answers at the default address, so the data directory is read.
    const saved = { port: process.env['HIDSMON_PORT'], data: process.env['HIDSMON_DATA'], url: process.env['HIDSMON_URL'], token: process.env['HIDSMON_API_TOKEN'] };
    process.env['HIDSMON_PORT'] = String(await freePort());
    process.env['HIDSMON_DATA'] = data;
    delete process.env['HIDSMON_URL'];
    delete process.env['HIDSMON_API_TOKEN'];
    try {
      const fallback = await runCli(['audit', '--json', '--action', 'logs:']);
      expect(fallback.code).toBe(0);
      expect(fallback.stderr).toMatch(/no server at http:\/\/127\.0\.0\.1:\d+; reading .*audit\.duckdb/);
      expect(fallback.stdout.trim().split('\n')).toHaveLength(2);
      const follow = await runCli(['audit', '--follow']);
      expect(follow.code).toBe(1);
      expect(follow.stderr).toMatch(/--follow needs a running server/);
    } finally {
      for (const [k, v] of [['HIDSMON_PORT', saved.port], ['HIDSMON_DATA', saved.data], ['HIDSMON_URL', saved.url], ['HIDSMON_API_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const missing = await runCli(['audit', '--data', join(tmp, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no audit log in/);
  });
});

describe('hidsmon audit over HTTPS', () => {
  it('trusts the server\'s certificate with --ca, and says what to do without it', async () => {
    const https = await startServer({ ...config, dataDir: join(tmp, 'tls-data'), tls: { mode: 'auto' } }, { logger: pino({ level: 'silent' }) });
    try {
      expect(https.url).toMatch(/^https:/);
      https.audit.record({ timeMs: Date.now(), actor: { kind: 'system', id: 'hidsmon' }, action: 'keys:Revoke', resource: 'AKIATLS', outcome: 'allowed' });
      await https.audit.flushed();
      const ok = await runCli(['audit', '--url', https.url, '--token', TOKEN, '--ca', https.tls!.certFile, '--json', '--action', 'keys:']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout.trim()).resource).toBe('AKIATLS');
      const untrusted = await runCli(['audit', '--url', https.url, '--token', TOKEN]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/certificate is not trusted .*pass --ca/);
      const noFile = await runCli(['audit', '--url', https.url, '--token', TOKEN, '--ca', join(tmp, 'missing.pem')]);
      expect(noFile.code).toBe(1);
      expect(noFile.stderr).toMatch(/--ca .*no such file/);
    } finally {
      await https.stop();
    }
  }, 60_000);
});
