/** @module Streams for commands meant to be piped: read a file or stdin, write with backpressure, stop quietly on EPIPE. */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { CliError } from './cli-error.js';

/** Text chunks of a file, or of stdin when the path is absent or `-`. */
export async function* readTextChunks(path: string | undefined, stdin: Readable = process.stdin): AsyncGenerator<string> {
  const stream = path === undefined || path === '-' ? stdin : createReadStream(path);
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (error.code === 'ENOENT') throw new CliError(`${path}: no such file.`);
    if (error.code === 'EISDIR') throw new CliError(`${path}: is a directory; give a file.`);
    if (error.code === 'EACCES') throw new CliError(`${path}: permission denied.`);
    throw new CliError(`${path ?? 'stdin'}: ${error.message}`);
  }
}

/** Thrown by `writeOut` when the reader went away (`hidsmon normalize | head`); not a failure. */
export class OutputClosed extends Error {}

/** Writes and waits for `drain` when the pipe is full, so that memory stays flat. */
export async function writeOut(out: Writable, text: string): Promise<void> {
  if (out.destroyed || (out as Writable & { closedByPeer?: boolean }).closedByPeer) throw new OutputClosed();
  if (!out.write(text)) {
    const drained = once(out, 'drain');
    const failed = once(out, 'error').then(([e]) => {
      throw e;
    });
    try {
      await Promise.race([drained, failed]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosed();
      throw e;
    }
  }
}

/** Marks stdout closed on EPIPE instead of crashing the process. */
export function guardEpipe(out: Writable): void {
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') (out as Writable & { closedByPeer?: boolean }).closedByPeer = true;
    else throw e;
  });
}
