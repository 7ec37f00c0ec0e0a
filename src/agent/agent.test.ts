/**
 * The agent end to end against a real hidsmon server (startServer on port 0, its generated agent
 * key in agent.yaml): `hidsmon agent --once` ships an alerts.json file and the alerts are
 * searchable; over TLS with `tls: auto` and the CA file; a stop (SIGTERM's path) drains and saves
 * checkpoints so that a restart ships nothing twice; `hidsmon agent status`; and the bundle
 * (dist/agent/hidsmon-agent.mjs, `npm run build:agent`) in a clean directory with only node on PATH.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CommandContext } from '../apps/cli/main.js';
import { startServer, type RunningServer } from '../apps/server/server.js';
import { AUTO_CERT_FILE } from '../apps/server/tls.js';
import { DEFAULTS } from '../config/server-config.js';
import { startAgent } from './agent.js';
import { loadAgentConfig } from './config.js';

process.env['HIDSMON_LOG_LEVEL'] ??= 'silent'; // the in-process CLI's agent logs to stderr
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-agent-'));
const logger = pino({ level: 'silent' });
const root = fileURLToPath(new URL('../..', import.meta.url));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function alertLine(tag: string, n: number): string {
  return JSON.stringify({ rule: { level: 10, comment: `agent test ${tag}`, sidid: 5712 }, id: `1700000000.${tag}${n}`, agent: { name: 'web-1' }, srcip: '10.10.10.10', full_log: `${tag} alert ${n}` });
}

async function start(tls: boolean): Promise<{ server: RunningServer; key: { id: string; secret: string }; token: string; ca?: string }> {
  const server = await startServer({ ...DEFAULTS, port: 0, dataDir: mkdtempSync(join(tmp, 'data-')), ...(tls ? { tls: { mode: 'auto' as const } } : {}) }, { logger });
  const created = server.credentials.created!;
  return { server, key: created.agentKey!, token: created.viewerToken!.secret, ...(tls ? { ca: join(server.config.dataDir, AUTO_CERT_FILE) } : {}) };
}

function writeConfig(dir: string, server: RunningServer, key: { id: string; secret: string }, alerts: string, extra = ''): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(
    file,
    [`inputs: [${JSON.stringify(alerts)}]`, 'log_group: hids-alerts', 'log_stream: "{hostname}"', `endpoint: ${server.url}`, `credentials: {access_key_id: ${key.id}, secret_access_key: ${key.secret}}`, `state_dir: ${JSON.stringify(join(dir, 'state'))}`, 'buffer_duration_ms: 50', extra.includes('drain_timeout_ms') ? '' : 'drain_timeout_ms: 5000', extra].join('\n'),
  );
  return file;
}

async function search(server: RunningServer, token: string, query: string, ca?: string): Promise<number> {
  expect(await server.forwarder.drained(20_000)).toBe(true);
  const body = JSON.stringify({ query, from: 'now-1h', to: 'now+1h' });
  const request = server.url.startsWith('https:') ? httpsRequest : httpRequest;
  const json = await new Promise<{ total: number }>((resolve, reject) => {
    const req = request(`${server.url}/api/search`, { method: 'POST', ...(ca ? { ca: readFileSync(ca) } : {}), headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`search: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  return json.total;
}

function context(): CommandContext & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  return { stdin: new PassThrough(), stdout, stderr, stderrIsTTY: false, now: () => Date.now(), signal: new AbortController().signal, out: () => out, err: () => err };
}

describe('hidsmon agent --once against a hidsmon server', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    env = await start(false);
  });
  afterAll(() => env?.server.stop());

  it('ships an alerts.json file with the server\'s agent key; the alerts are searchable; status shows the file, its offset and the send', async () => {
    const dir = mkdtempSync(join(tmp, 'host-'));
    const alerts = join(dir, 'alerts.json');
    writeFileSync(alerts, [1, 2, 3].map((n) => `${alertLine('once', n)}\n`).join(''));
    const config = writeConfig(dir, env.server, env.key, alerts);
    const ctx = context();
    expect(await run(['agent', '--once', '--config', config], ctx)).toBe(0);
    expect(await search(env.server, env.token, 'rule.comment:"agent test once"')).toBe(3);

    const status = context();
    expect(await run(['agent', 'status', '--config', config, '--json'], status)).toBe(0);
    const shown = JSON.parse(status.out());
    expect(shown).toMatchObject({ state: 'stopped', logGroup: 'hids-alerts', spool: { records: 0 }, sent: { events: 3 } });
    expect(shown.files).toEqual([expect.objectContaining({ file: alerts, offset: readFileSync(alerts).length })]);
    expect(shown.lastSendAt).toEqual(expect.any(String));
    const text = context();
    expect(await run(['agent', 'status', '--config', config], text)).toBe(0);
    expect(text.out()).toMatch(/state: +stopped/);
    expect(text.out()).toContain(`${alerts}  offset ${readFileSync(alerts).length}`);
  });

  it('stop (what SIGTERM does) drains and saves the checkpoint: a restart ships only what came after', async () => {
    const dir = mkdtempSync(join(tmp, 'host-'));
    const alerts = join(dir, 'alerts.json');
    writeFileSync(alerts, [1, 2].map((n) => `${alertLine('term', n)}\n`).join(''));
    const loaded = loadAgentConfig({ name: 'agent.yaml', text: readFileSync(writeConfig(dir, env.server, env.key, alerts, 'heartbeat_interval_seconds: 0'), 'utf8') });
    if (!loaded.ok) throw new Error(loaded.error.join('; '));
    const signal = new AbortController();
    const agent = await startAgent(loaded.value, { log: logger, signal: signal.signal });
    await expect.poll(() => agent.status().sent.events, { timeout: 15_000 }).toBe(2);
    appendFileSync(alerts, `${alertLine('term', 3)}\n`);
    await expect.poll(() => agent.status().files[0]?.offset, { timeout: 15_000 }).toBe(readFileSync(alerts).length);
    const live = context();
    const configFile = join(dir, 'agent.yaml');
    await expect.poll(async () => (await run(['agent', 'status', '--config', configFile], live), live.out()), { timeout: 5000 }).toMatch(new RegExp(`state: +running \\(pid ${process.pid}\\)`));
    signal.abort(); // the CLI aborts this signal on SIGTERM
    expect(await agent.stopped).toEqual({ ok: true, sentEvents: 3 });
    expect(existsSync(join(dir, 'state', 'checkpoints.json'))).toBe(true);

    appendFileSync(alerts, `${alertLine('term', 4)}\n`);
    const again = await startAgent(loaded.value, { log: logger, once: true });
    expect(await again.stopped).toEqual({ ok: true, sentEvents: 1 });
    expect(await search(env.server, env.token, 'rule.comment:"agent test term"')).toBe(4);
  });

  it('exits 2 listing every problem of a bad agent.yaml', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'inputs: []\nendpoint: nowhere\n');
    const ctx = context();
    expect(await run(['agent', '--config', file], ctx)).toBe(2);
    expect(ctx.err()).toContain('inputs');
    expect(ctx.err()).toContain('endpoint');
  });
});

describe('hidsmon agent over TLS (tls: auto, ca_file)', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    env = await start(true);
  });
  afterAll(() => env?.server.stop());

  it('trusts the server\'s self-signed certificate from ca_file and ships', async () => {
    const dir = mkdtempSync(join(tmp, 'host-'));
    const alerts = join(dir, 'alerts.json');
    writeFileSync(alerts, [1, 2].map((n) => `${alertLine('tls', n)}\n`).join(''));
    const config = writeConfig(dir, env.server, env.key, alerts, `ca_file: ${JSON.stringify(env.ca)}`);
    expect(env.server.url).toMatch(/^https:/);
    expect(await run(['agent', '--once', '--config', config], context())).toBe(0);
    expect(await search(env.server, env.token, 'rule.comment:"agent test tls"', env.ca)).toBe(2);
  });
});

describe('the agent bundle (dist/agent/hidsmon-agent.mjs)', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    env = await start(false);
  });
  afterAll(() => env?.server.stop());

  it('runs in a clean directory with only node on PATH and no node_modules, takes its keys from the environment (the default chain), and ships', async () => {
    const bundle = join(root, 'dist/agent/hidsmon-agent.mjs');
    expect(existsSync(bundle), 'npm run build:agent first (npm run build does)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bundle-'));
    try {
      copyFileSync(bundle, join(dir, 'hidsmon-agent.mjs'));
      mkdirSync(join(dir, 'logs'));
      const alerts = join(dir, 'logs', 'alerts.json');
      writeFileSync(alerts, [1, 2, 3, 4].map((n) => `${alertLine('bundle', n)}\n`).join(''));
      // No credentials: in agent.yaml: the default chain (credentials.ts, in the bundle) finds them in the environment.
      const config = writeConfig(dir, env.server, env.key, alerts);
      writeFileSync(config, readFileSync(config, 'utf8').replace(/^credentials:.*$/m, ''));
      const result = await promisify(execFile)('node', ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir, AWS_ACCESS_KEY_ID: env.key.id, AWS_SECRET_ACCESS_KEY: env.key.secret }, timeout: 60_000 });
      expect(result.stderr).toContain('"msg":"agent started"');
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      expect(await search(env.server, env.token, 'rule.comment:"agent test bundle"')).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGTERM: the agent process drains, saves its checkpoint, says stopped in status and exits 0; a restart ships nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-sigterm-'));
    try {
      copyFileSync(join(root, 'dist/agent/hidsmon-agent.mjs'), join(dir, 'hidsmon-agent.mjs'));
      const alerts = join(dir, 'alerts.json');
      writeFileSync(alerts, [1, 2, 3].map((n) => `${alertLine('sigterm', n)}\n`).join(''));
      writeConfig(dir, env.server, env.key, alerts, 'heartbeat_interval_seconds: 0\ndrain_timeout_ms: 10000'); // the default deadline
      const child = spawn(process.execPath, ['hidsmon-agent.mjs', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const exited = once(child, 'exit');
      const statusFile = join(dir, 'state', 'status.json');
      await expect.poll(() => (existsSync(statusFile) ? JSON.parse(readFileSync(statusFile, 'utf8')).sent.events : 0), { timeout: 20_000, interval: 100 }).toBe(3);
      appendFileSync(alerts, `${alertLine('sigterm', 4)}\n`);
      await expect.poll(() => JSON.parse(readFileSync(statusFile, 'utf8')).files[0]?.offset, { timeout: 20_000, interval: 100 }).toBe(readFileSync(alerts).length);
      // Idle (everything shipped, nothing spooled): the stop has nothing to wait for. systemd waits
      // for the exit on `systemctl stop`/restart; it took ~10 s (the drain deadline's timer held the process).
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      const exitMs = Date.now() - signalledAt;
      expect(code, stderr).toBe(0);
      expect(exitMs, `exited ${exitMs} ms after SIGTERM`).toBeLessThan(3_000);
      expect(stderr).toContain('agent stopped: everything read was delivered');
      const final = JSON.parse(readFileSync(statusFile, 'utf8'));
      expect(final).toMatchObject({ state: 'stopped', sent: { events: 4 }, spool: { records: 0 } });
      const checkpoint = JSON.parse(readFileSync(join(dir, 'state', 'checkpoints.json'), 'utf8')) as { files: { file: string; offset: number }[] };
      expect(checkpoint.files).toEqual([expect.objectContaining({ file: alerts, offset: readFileSync(alerts).length })]);

      const again = await promisify(execFile)(process.execPath, ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, timeout: 60_000 });
      expect(again.stderr).toContain('"sentEvents":0');
      expect(await search(env.server, env.token, 'rule.comment:"agent test sigterm"')).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGTERM with the endpoint away: exits 0 within drain_timeout_ms saying the events stay spooled; the next start ships them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-sigterm-away-'));
    try {
      copyFileSync(join(root, 'dist/agent/hidsmon-agent.mjs'), join(dir, 'hidsmon-agent.mjs'));
      const alerts = join(dir, 'alerts.json');
      writeFileSync(alerts, [1, 2, 3].map((n) => `${alertLine('sigaway', n)}\n`).join(''));
      // A port nothing listens on: connection refused, retried with backoff, forever but for the stop.
      const closed = await startServer({ ...DEFAULTS, port: 0, dataDir: mkdtempSync(join(tmp, 'data-')) }, { logger });
      const away = closed.url;
      await closed.stop();
      const drainMs = 1500;
      const config = writeConfig(dir, { url: away } as RunningServer, env.key, alerts, `drain_timeout_ms: ${drainMs}\nheartbeat_interval_seconds: 0`);
      const child = spawn(process.execPath, ['hidsmon-agent.mjs', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const exited = once(child, 'exit');
      const statusFile = join(dir, 'state', 'status.json');
      // Read, spooled, and the endpoint refused at least once: the agent is in its backoff.
      await expect
        .poll(() => (existsSync(statusFile) ? JSON.parse(readFileSync(statusFile, 'utf8')) : {}), { timeout: 20_000, interval: 100 })
        .toMatchObject({ spool: { records: 3 }, lastError: { code: expect.any(String) }, files: [{ offset: readFileSync(alerts).length }] });
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      const exitMs = Date.now() - signalledAt;
      expect(code, stderr).toBe(0);
      // The drain deadline, plus a generous allowance for a loaded machine; not the retry policy's 30 s backoff.
      expect(exitMs, `exited ${exitMs} ms after SIGTERM`).toBeLessThan(drainMs + 2_500);
      expect(stderr).toContain('agent stopped with events still spooled: they are sent at the next start');
      expect(JSON.parse(readFileSync(statusFile, 'utf8'))).toMatchObject({ state: 'stopped', spool: { records: 3 }, sent: { events: 0 } });

      writeFileSync(config, readFileSync(config, 'utf8').replace(away, env.server.url));
      const again = await promisify(execFile)(process.execPath, ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, timeout: 60_000 });
      expect(again.stderr).toContain('"sentEvents":3');
      expect(await search(env.server, env.token, 'rule.comment:"agent test sigaway"')).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--once with the endpoint away: exits 1 after drain_timeout_ms, the alerts stay spooled and are sent by the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-away-'));
    try {
      copyFileSync(join(root, 'dist/agent/hidsmon-agent.mjs'), join(dir, 'hidsmon-agent.mjs'));
      const alerts = join(dir, 'alerts.json');
      writeFileSync(alerts, [1, 2].map((n) => `${alertLine('away', n)}\n`).join(''));
      // A port nothing listens on: connection refused, retried with backoff until the deadline.
      const closed = await startServer({ ...DEFAULTS, port: 0, dataDir: mkdtempSync(join(tmp, 'data-')) }, { logger });
      const away = closed.url;
      await closed.stop();
      const config = writeConfig(dir, { url: away } as RunningServer, env.key, alerts, 'drain_timeout_ms: 1500\nheartbeat_interval_seconds: 0');
      const failed = await promisify(execFile)(process.execPath, ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, timeout: 60_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stderr).toContain('no delivery progress; the events stay spooled');
      const status = JSON.parse(readFileSync(join(dir, 'state', 'status.json'), 'utf8'));
      expect(status.spool.records).toBe(2);
      expect(status.lastError.message).toEqual(expect.any(String));

      writeFileSync(config, readFileSync(config, 'utf8').replace(away, env.server.url));
      await promisify(execFile)(process.execPath, ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, timeout: 60_000 });
      expect(await search(env.server, env.token, 'rule.comment:"agent test away"')).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--once refused with a non-retryable error (a wrong secret): exits 1 saying so, nothing lost (still spooled)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hidsmon-denied-'));
    try {
      copyFileSync(join(root, 'dist/agent/hidsmon-agent.mjs'), join(dir, 'hidsmon-agent.mjs'));
      const alerts = join(dir, 'alerts.json');
      writeFileSync(alerts, `${alertLine('denied', 1)}\n`);
      writeConfig(dir, env.server, { id: env.key.id, secret: 'not-the-secret-0123456789abcdef' }, alerts, 'heartbeat_interval_seconds: 0');
      const failed = await promisify(execFile)(process.execPath, ['hidsmon-agent.mjs', '--once', '--config', 'agent.yaml'], { cwd: dir, env: { PATH: dirname(process.execPath), HOME: dir }, timeout: 60_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stderr).toContain('--once: delivery is refused; the events stay spooled');
      const status = JSON.parse(readFileSync(join(dir, 'state', 'status.json'), 'utf8'));
      expect(status).toMatchObject({ spool: { records: 1 }, sent: { events: 0 }, lastError: { code: expect.stringMatching(/Signature|Unrecognized|AccessDenied/) } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
