/** @module Test helper: runs a `hidsmon` command in-process and collects its output. */
import { PassThrough, Readable } from 'node:stream';
import { run, type CommandContext } from '../apps/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with `stdin` as input, a fixed clock and no terminal; `signal` stops long-running commands. */
export async function runCli(argv: string[], options: { stdin?: string; now?: () => number; signal?: AbortSignal } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const ctx: CommandContext = {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    stderrIsTTY: false,
    now: options.now ?? Date.now,
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await run(argv, ctx);
  return { code, stdout: out, stderr: err };
}
