/**
 * @module Test and bench helper: a real single-node OpenSearch (the integ-test-zip that
 * scripts/ensure-opensearch.sh provisions) on free loopback ports, started in a session of its own
 * and stopped by the PID it wrote, never by name.
 *
 * OpenSearch refuses to run as root: as root the node runs as the script's unprivileged user, with
 * its data and logs in a folder of that user's under the install's `runs/`.
 */
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './processes.js';

const run = promisify(execFile);

export interface OpenSearchNode {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The JVM's PID (from its pid file). */
  pid: number;
  /** Stops the node (SIGTERM, SIGKILL after 30 s), waits for the process to be gone, removes its data (not a given dataPath). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Java heap in MiB (default 512). */
  heapMb?: number;
  /** How long to wait for a yellow cluster (default 120 s: a cold first start also unpacks). */
  timeoutMs?: number;
  /** The HTTP port (default: a free one). */
  port?: number;
  /**
   * `path.data` kept across runs (the benches' cache of loaded data sets): created if missing,
   * given to the node's user, and left in place by stop(). Default: a folder of the run, removed by stop().
   */
  dataPath?: string;
}

interface Install {
  home: string;
  user: string;
}

/** Runs scripts/ensure-opensearch.sh (idempotent): the install's home and the user to run it as. */
export async function ensureOpenSearch(): Promise<Install> {
  const script = join(findRepoRoot(), 'scripts', 'ensure-opensearch.sh');
  try {
    const { stdout } = await run('bash', [script], { maxBuffer: 1024 * 1024 });
    const [home = '', user = ''] = stdout.split('\n');
    return { home: home.trim(), user: user.trim() };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`OpenSearch is not available: bash scripts/ensure-opensearch.sh failed.\n${stderr || (error as Error).message}`);
  }
}

function findRepoRoot(): string {
  // From src/testing (tsx) or dist/src/testing (built): the nearest folder above that holds scripts/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'ensure-opensearch.sh'))) return dir;
  }
  throw new Error('scripts/ensure-opensearch.sh not found above this module');
}

async function javaHome(): Promise<string> {
  if (process.env['JAVA_HOME'] && existsSync(join(process.env['JAVA_HOME'], 'bin', 'java'))) return process.env['JAVA_HOME'];
  const { stdout } = await run('bash', ['-c', 'command -v java']);
  // /usr/bin/java → /usr/lib/jvm/<jdk>/bin/java → /usr/lib/jvm/<jdk>
  return join(realpathSync(stdout.trim()), '..', '..');
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startOpenSearch(options: StartOptions = {}): Promise<OpenSearchNode> {
  const { home, user } = await ensureOpenSearch();
  const heapMb = options.heapMb ?? 512;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runDir = mkdtempSync(join(home, 'runs', 'node-'));
  const dataPath = options.dataPath ?? join(runDir, 'data');
  if (options.dataPath) mkdirSync(options.dataPath, { recursive: true });
  if (user) {
    const { uid, gid } = await uidOf(user);
    chownSync(runDir, uid, gid);
    // A kept data folder may come from an earlier run: all of it must be the node's user's.
    if (options.dataPath) await run('chown', ['-R', `${uid}:${gid}`, options.dataPath]);
  }
  const [port, transportPort] = [options.port ?? (await freePort()), await freePort()];
  const pidFile = join(runDir, 'opensearch.pid');
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: runDir,
    OPENSEARCH_JAVA_HOME: await javaHome(),
    OPENSEARCH_JAVA_OPTS: `-Xms${heapMb}m -Xmx${heapMb}m`,
  };
  const args = [
    join(home, 'bin', 'opensearch'),
    '-p', pidFile,
    '-Ediscovery.type=single-node',
    '-Enetwork.host=127.0.0.1',
    `-Ehttp.port=${port}`,
    `-Etransport.port=${transportPort}`,
    `-Epath.data=${dataPath}`,
    `-Epath.logs=${join(runDir, 'logs')}`,
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    '-Eaction.auto_create_index=true',
  ];
  const out = openSync(join(runDir, 'console.log'), 'a');
  // runuser keeps the environment given with env(1); detached: a session of its own, so that a
  // signal to the test run's process group does not reach it half-way.
  const proc = user
    ? spawn('runuser', ['-u', user, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...args], { detached: true, stdio: ['ignore', out, out] })
    : spawn(args[0]!, args.slice(1), { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  proc.unref();
  const url = `http://127.0.0.1:${port}`;
  const console = (): string => {
    try {
      return readFileSync(join(runDir, 'console.log'), 'utf8').slice(-3000);
    } catch {
      return '';
    }
  };
  const pidOf = (): number | undefined => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const stop = async (): Promise<void> => {
    const pid = pidOf();
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (const until = Date.now() + 30_000; alive(pid) && Date.now() < until; ) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      for (const until = Date.now() + 5_000; alive(pid) && Date.now() < until; ) await sleep(50);
    } else if (proc.exitCode === null && proc.pid !== undefined && alive(proc.pid)) {
      // Not started far enough to write its pid file: the launcher is its parent.
      process.kill(proc.pid, 'SIGKILL');
    }
    rmSync(runDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) {
      const text = console();
      await stop();
      throw new Error(`OpenSearch exited (code ${proc.exitCode}) before it was ready:\n${text}`);
    }
    const healthy = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.ok,
      () => false,
    );
    const pid = pidOf();
    if (healthy && pid !== undefined) return { url, port, pid, stop };
    if (Date.now() > deadline) {
      const text = console();
      await stop();
      throw new Error(`OpenSearch did not become ready on ${url} within ${timeoutMs} ms:\n${text}`);
    }
    await sleep(250);
  }
}
