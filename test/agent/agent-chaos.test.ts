/**
 * Chaos: while a writer appends alerts and rotates the file both ways (rename-and-create, and
 * copytruncate) several times, `hidsmon agent` (a child process) is SIGKILLed at random moments
 * and restarted, and the hidsmon server is stopped for a while. At the end every alert is in the
 * index exactly once (the server's document id is the alert id, so total = distinct ids), and the
 * agent's own figures agree: nothing spooled, every file read to its end.
 * The random moments come from a seed (printed on failure; HIDSMON_CHAOS_SEED replays one).
 * 100,000 alerts written over ~25 s; the test takes ~40 s on a 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/apps/server/server.js';
import { DEFAULTS, type ServerConfig } from '../../src/config/server-config.js';
import { freePort } from '../../src/testing/processes.js';
import { randomFloats as random } from '../../src/simulate/random.js';

const ALERTS = 100_000;
const ROTATIONS = 6;
const entry = new URL('../../src/testing/cli-entry.ts', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-agent-chaos-'));
const KEY = { id: 'AKIAHIDSMONCHAOS0001', secret: 'chaos-secret-0123456789abcdef' };
const TOKEN = 'chaos-api-token-0123456789abcdef012';
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the agent under chaos', () => {
  it('delivers every alert exactly once through SIGKILLs, both rotations and a server outage', async () => {
    const seed = Number(process.env['HIDSMON_CHAOS_SEED'] ?? Date.now() % 100_000);
    const rand = random(seed);
    const port = await freePort();
    const serverConfig = { ...DEFAULTS, port, dataDir: join(tmp, 'server'), accessKeys: [{ ...KEY, profile: 'agent' }], apiTokens: [TOKEN] } as ServerConfig;
    const logger = pino({ level: 'silent' });
    let server: RunningServer | undefined = await startServer(serverConfig, { logger });

    const dir = join(tmp, 'host');
    mkdirSync(dir, { recursive: true });
    const alerts = join(dir, 'alerts.json');
    writeFileSync(alerts, '');
    const stateDir = join(tmp, 'state');
    const configFile = join(tmp, 'agent.yaml');
    writeFileSync(configFile, [
      `inputs: [${JSON.stringify(join(dir, 'alerts.json*'))}]`,
      'log_group: hids-alerts',
      'log_stream: i-0c4a05c0ffee00001',
      `endpoint: http://127.0.0.1:${port}`,
      `credentials: {access_key_id: ${KEY.id}, secret_access_key: ${KEY.secret}}`,
      `state_dir: ${JSON.stringify(stateDir)}`,
      'start_position: start',
      'buffer_duration_ms: 200',
      'heartbeat_interval_seconds: 5',
      'drain_timeout_ms: 5000',
    ].join('\n'));

    let agent: ChildProcess | undefined;
    let agentErr = '';
    let starts = 0;
    const startAgentProcess = (): void => {
      starts++;
      const proc = spawn(process.execPath, ['--import', 'tsx', entry, 'agent', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } });
      proc.stderr?.on('data', (c) => (agentErr = (agentErr + c).slice(-8000)));
      children.add(proc);
      proc.on('exit', () => children.delete(proc));
      agent = proc;
    };
    const killAgent = async (): Promise<void> => {
      const proc = agent;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    };

    // The writer: batches of alerts, with rotations of both kinds spread over the run.
    const base = Math.floor(Date.now() / 1000) - 1800;
    let written = 0;
    let rotated = 0;
    const rotateEvery = Math.floor(ALERTS / (ROTATIONS + 1));
    const writer = (async () => {
      while (written < ALERTS) {
        const n = Math.min(ALERTS - written, 200 + Math.floor(rand() * 200));
        let text = '';
        for (let i = written; i < written + n; i++) {
          text += `${JSON.stringify({ rule: { level: 5, comment: 'chaos alert', sidid: 5710 }, id: `${base + Math.floor(i / 100)}.${i}`, TimeStamp: (base + Math.floor(i / 100)) * 1000, location: '/var/log/secure', srcip: '10.0.0.9', full_log: `chaos ${i}` })}\n`;
        }
        appendFileSync(alerts, text);
        written += n;
        if (rotated < ROTATIONS && written >= (rotated + 1) * rotateEvery) {
          rotated++;
          const target = `${alerts}.${rotated}`;
          if (rotated % 2 === 1) {
            renameSync(alerts, target); // rename-and-create, as logrotate's default
            writeFileSync(alerts, '');
          } else {
            copyFileSync(alerts, target); // copytruncate
            truncateSync(alerts, 0);
          }
        }
        await sleep(80);
      }
    })();

    // The chaos: kill and restart the agent at random moments; stop the server once for a while.
    startAgentProcess();
    let kills = 0;
    let outage = false;
    const chaosDeadline = Date.now() + 45_000;
    while ((written < ALERTS || kills < 4) && Date.now() < chaosDeadline) {
      await sleep(700 + Math.floor(rand() * 1800));
      await killAgent();
      kills++;
      if (!outage && kills === 2) {
        outage = true;
        await server.stop();
        server = undefined;
        startAgentProcess(); // it spools and retries while the server is away
        await sleep(3000);
        server = await startServer(serverConfig, { logger });
        continue;
      }
      await sleep(Math.floor(rand() * 300));
      startAgentProcess();
    }
    await writer;
    expect(written).toBe(ALERTS);
    expect(kills).toBeGreaterThanOrEqual(4);
    expect(rotated).toBe(ROTATIONS);

    // The last agent runs until the index holds everything, then stops on SIGTERM (draining).
    if (!agent || agent.exitCode !== null) startAgentProcess();
    const total = async (): Promise<number> => {
      const r = await fetch(`http://127.0.0.1:${port}/api/search`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '"chaos alert"', from: 'now-1d', size: 0 }) });
      return ((await r.json()) as { total: number }).total;
    };
    const deadline = Date.now() + 40_000;
    let indexed = 0;
    while (Date.now() < deadline && (indexed = await total()) < ALERTS) await sleep(500);
    const last = agent!;
    // SIGTERM once this agent is up (its status names its pid) and has caught up with every file (an
    // agent started just before may find everything already delivered by its killed predecessor's
    // spool, and must still read and checkpoint the rest), so that it drains rather than dies half-started.
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(200)) {
      const st = (() => { try { return JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8')) as { pid: number; files?: { file: string; offset: number }[] }; } catch { return undefined; } })();
      const caughtUp = (st?.files ?? []).every((f) => { const size = statSync(f.file, { throwIfNoEntry: false })?.size; return size === undefined || f.offset === size; });
      if (st?.pid === last.pid && caughtUp) break;
    }
    const exited = new Promise<number | null>((r) => (last.exitCode !== null || last.signalCode !== null ? r(last.exitCode) : last.once('exit', (code) => r(code))));
    last.kill('SIGTERM');
    expect(await exited, agentErr).toBe(0);
    try {
      expect(indexed, `seed ${seed}, ${starts} starts, ${kills} kills; agent stderr:\n${agentErr.slice(-2000)}`).toBe(ALERTS);
      // Exactly once: a second look after the drain finds no more (duplicates share an id).
      expect(await total()).toBe(ALERTS);
      // The agent's own figures: nothing left spooled, every file read to its end.
      const status = JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8')) as { state: string; spool: { records?: number; bytes: number }; files: { file: string; offset: number; size?: number }[] };
      expect(status.state).toBe('stopped');
      expect(status.spool.records ?? 0).toBe(0);
      for (const f of status.files) {
        const size = statSync(f.file, { throwIfNoEntry: false })?.size;
        if (size !== undefined) expect(f.offset, f.file).toBe(size);
      }
    } finally {
      await server?.stop();
    }
  }, 150_000);
});
