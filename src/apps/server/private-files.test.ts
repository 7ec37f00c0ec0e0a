/** @module Tests for owner-only data: the data directory made 0700 and its files 0600; a loose directory or credentials file refused with the chmod to run, by the server and the CLI. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config/server-config.js';
import { runCli } from '../../testing/cli-harness.js';
import { freePort, startServerProcess } from '../../testing/processes.js';
import { LoosePermissionsError, preparePrivateDataDir, restrictDataFilesToOwner } from './private-files.js';
import { startServer } from './server.js';

const logger = pino({ level: 'silent' });
const KEY = { id: 'AKIAHIDSMONMODES0001', secret: 'modes-suite-Wq5rT8zXn2Lk7Vb4Hj9' };
const TOKEN = 'modes-suite-token-Pm3Yc6Rv9Ts2Qx5';
let tmp: string;
const mode = (path: string): number => statSync(path).mode & 0o777;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hidsmon-modes-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (dataDir: string) => ({ ...DEFAULTS, port: 0, dataDir, accessKeys: [KEY], apiTokens: [TOKEN] });

/** A directory made as `mkdir` makes it under the usual umask 022 (world-readable). */
function looseDir(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  return dir;
}

describe.skipIf(process.platform === 'win32')('owner-only data', () => {
  it('creates the data directory 0700 and leaves every file in it 0600, whatever the umask', async () => {
    const dataDir = join(tmp, 'fresh', 'data');
    const server = await startServer({ ...config(dataDir), accessKeys: [], apiTokens: [] }, { logger });
    try {
      expect(mode(dataDir)).toBe(0o700);
      const files = readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['credentials.json', 'log.duckdb', 'index.duckdb']));
      for (const name of files) if (statSync(join(dataDir, name)).isFile()) expect(mode(join(dataDir, name)), name).toBe(0o600);
    } finally {
      await server.stop();
    }
  });

  it('the hidsmon command runs with umask 077: whatever it creates is owner-only', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    expect(existsSync(join(root, 'dist/src/apps/cli/main.js')), 'run `npm run build`').toBe(true);
    for (const [name, args] of [
      ['bin', [join(root, 'bin/hidsmon.js')]],
      ['test-entry', ['--import', 'tsx', new URL('../../testing/cli-entry.ts', import.meta.url).pathname]],
    ] as const) {
      const out = join(tmp, `umask-${name}`);
      const run = spawnSync(process.execPath, [...args, 'simulate', '--out', out, '--hosts', '1', '--start', 'now-1h', '--count', '3', '--quiet'], { encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      const host = readdirSync(out)[0] as string;
      expect(mode(out), name).toBe(0o700);
      expect(mode(join(out, host)), name).toBe(0o700);
      expect(mode(join(out, host, 'alerts.json')), name).toBe(0o600);
    }
  });

  it('under the hidsmon command, the files DuckDB makes while serving are 0600', async () => {
    const dataDir = join(tmp, 'process', 'data');
    const port = await freePort();
    const entry = new URL('../../testing/cli-entry.ts', import.meta.url).pathname;
    const child = await startServerProcess({ nodeArgs: ['--import', 'tsx', entry], data: dataDir, port, env: { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn' } });
    const cw = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: KEY.id, secretAccessKey: KEY.secret }, maxAttempts: 1 });
    try {
      await cw.send(new CreateLogGroupCommand({ logGroupName: 'modes' }));
      await cw.send(new CreateLogStreamCommand({ logGroupName: 'modes', logStreamName: 's' }));
      await cw.send(new PutLogEventsCommand({ logGroupName: 'modes', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: '{"rule":{"level":3}}' }] }));
      expect(mode(dataDir)).toBe(0o700);
      const files = readdirSync(dataDir).filter((name) => statSync(join(dataDir, name)).isFile());
      expect(files.some((name) => name.endsWith('.wal'))).toBe(true);
      for (const name of files) expect(mode(join(dataDir, name)), name).toBe(0o600);
    } finally {
      cw.destroy();
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
  });

  it('refuses a data directory that group or others can read, and says what to run', async () => {
    const dataDir = looseDir('loose-dir');
    const start = startServer(config(dataDir), { logger });
    await expect(start).rejects.toBeInstanceOf(LoosePermissionsError);
    await expect(start).rejects.toMatchObject({ message: `Permissions 0755 for directory ${dataDir} are too open: the data directory holds the access keys, API tokens and every host's alerts, so group and others must have no access. Run: chmod 700 ${dataDir}`, fix: `chmod 700 ${dataDir}` });
    // Nothing was written into it.
    expect(readdirSync(dataDir)).toEqual([]);
    // Write access alone is refused too.
    chmodSync(dataDir, 0o720);
    await expect(startServer(config(dataDir), { logger })).rejects.toMatchObject({ message: expect.stringContaining('Permissions 0720') });
    chmodSync(dataDir, 0o700);
    const server = await startServer(config(dataDir), { logger });
    await server.stop();
  });

  it('refuses a credentials file that group or others can read, and says what to run', async () => {
    const dataDir = join(tmp, 'loose-credentials');
    mkdirSync(dataDir, { mode: 0o700 });
    const file = join(dataDir, 'credentials.json');
    writeFileSync(file, '{}\n');
    chmodSync(file, 0o644);
    await expect(startServer(config(dataDir), { logger })).rejects.toMatchObject({
      name: 'LoosePermissionsError',
      message: `Permissions 0644 for file ${file} are too open: it holds the access keys and API tokens, so group and others must have no access. Run: chmod 600 ${file}`,
    });
    chmodSync(file, 0o604);
    await expect(startServer(config(dataDir), { logger })).rejects.toMatchObject({ fix: `chmod 600 ${file}` });
  });

  it('hidsmon server exits 2 with the chmod to run; hidsmon import does not create a loose directory', async () => {
    const dataDir = looseDir('loose-cli');
    const run = await runCli(['server', '--data', dataDir, '--port', '0'], { signal: AbortSignal.timeout(20_000) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Run: chmod 700 ${dataDir}`);
    const imported = join(tmp, 'imported', 'data');
    const alerts = join(tmp, 'alerts.json');
    writeFileSync(alerts, '{"timestamp":"2024-06-01T12:00:00.000+0000","rule":{"level":5,"description":"x","id":"5715"},"agent":{"name":"h"},"full_log":"x"}\n');
    const importRun = await runCli(['import', alerts, '--data', imported]);
    expect(importRun.code, importRun.stderr).toBe(0);
    expect(mode(imported)).toBe(0o700);
    expect(mode(join(imported, 'index.duckdb'))).toBe(0o600);
  });

  it('quotes a path with spaces in the command it suggests', () => {
    const dataDir = looseDir('with space');
    expect(() => preparePrivateDataDir(dataDir)).toThrow(`Run: chmod 700 '${dataDir}'`);
  });

  it('makes loose files in the data directory owner-only, leaving links alone', () => {
    const dataDir = join(tmp, 'restrict');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'a.duckdb.wal'), 'x');
    chmodSync(join(dataDir, 'a.duckdb.wal'), 0o664);
    restrictDataFilesToOwner(dataDir);
    expect(mode(join(dataDir, 'a.duckdb.wal'))).toBe(0o600);
  });
});
