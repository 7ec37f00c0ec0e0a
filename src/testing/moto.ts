/**
 * @module Test helper: moto's CloudWatch Logs (`moto_server`, see scripts/ensure-moto.sh) on a free
 * loopback port, started as a child process and stopped by its PID.
 *
 * moto is laxer than AWS (it does not check signatures, the 24-hour span, batch or event sizes, or
 * stream name patterns; FilterLogEvents ignores logStreamNamePrefix and most pattern syntax): a
 * test that needs those limits enforced runs against the hidsmon server, the stricter of the two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './processes.js';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the endpoint for the AWS SDK (any credentials; region as you like). */
  url: string;
  port: number;
  pid: number;
  /** Forgets every log group (moto's own reset API), so that tests sharing a server start clean. */
  reset(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Credentials moto accepts (it routes by the signature's scope and checks nothing else). */
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIAMOTOTESTKEY00000', secretAccessKey: 'moto-does-not-check-this' } as const;

export async function startMotoServer(options: { timeoutMs?: number } = {}): Promise<MotoServer> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  // A port freed by freePort can be taken by someone else before moto binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let stderr = '';
    proc.stderr?.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitReady(proc, url, deadline, spawnError);
    if (ready === 'ready') return handle(proc, url, port);
    await stopProcess(proc);
    if (ready instanceof Error) throw new Error(`moto_server could not start (${ready.message}); run: bash scripts/ensure-moto.sh`);
    if (ready === 'exited' && attempt < 3 && Date.now() < deadline) continue;
    throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms (${ready}): ${stderr}`);
  }
}

async function waitReady(proc: ChildProcess, url: string, deadline: number, spawnError: Promise<Error>): Promise<'ready' | 'exited' | 'timeout' | Error> {
  let failed: Error | undefined;
  void spawnError.then((e) => (failed = e));
  while (Date.now() < deadline) {
    if (failed) return failed;
    if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
    if (await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)) return 'ready';
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'timeout';
}

function handle(proc: ChildProcess, url: string, port: number): MotoServer {
  return {
    url,
    port,
    pid: proc.pid as number,
    async reset() {
      const r = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`moto reset answered ${r.status}`);
    },
    stop: () => stopProcess(proc),
  };
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}
