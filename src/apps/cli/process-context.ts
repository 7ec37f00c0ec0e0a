/**
 * @module The real process's command context, for the entries that run commands (the `hidsmon`
 * CLI and the agent's bundle); apart from main.ts so that the bundle holds none of the other commands.
 */
import type { CommandContext } from './main.js';
import { guardEpipe } from './io.js';

/** The real process's context: its streams, and a signal aborted by SIGINT or SIGTERM (a second one exits at once). */
export function processContext(): CommandContext {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  guardEpipe(process.stdout);
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.isTTY ? { stdoutColumns: process.stdout.columns } : {}),
    now: () => Date.now(),
    signal: controller.signal,
  };
}
