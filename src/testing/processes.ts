/** @module Test and bench helpers for hidsmon in a child process: a free port, and a server started and awaited. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port nothing listens on now (the caller races nobody here: tests own this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/**
 * Starts `node <nodeArgs> server --data DIR --port PORT` and resolves once /healthz answers.
 * `nodeArgs` runs the CLI: `['--import', 'tsx', 'src/testing/cli-entry.ts']` from source, or a built file.
 */
export async function startServerProcess(options: { nodeArgs: string[]; data: string; port: number; env: NodeJS.ProcessEnv; timeoutMs?: number; args?: string[] }): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...options.nodeArgs, 'server', '--data', options.data, '--port', String(options.port), ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (c) => (stderr += c));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`The server exited (${proc.exitCode}): ${stderr}`);
    if (await fetch(`http://127.0.0.1:${options.port}/healthz`).then((r) => r.ok, () => false)) return proc;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`The server did not start within ${options.timeoutMs ?? 30_000} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
