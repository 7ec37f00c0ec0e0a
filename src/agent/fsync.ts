/**
 * @module fsync(2) of a file descriptor on the thread pool, without a FileHandle: the agent opens,
 * writes and renames its small state files with direct system calls (quick ones), and only the
 * fsyncs, which wait for the disk, leave the main thread (bench/agent.bench.ts).
 */
import { fsync } from 'node:fs';

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}
