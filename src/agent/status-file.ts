/**
 * @module The agent's status, as `hidsmon agent status` shows it: written whole to
 * <state_dir>/status.json every second (temp file + rename, so a reader never sees half of one),
 * and read back and rendered as text.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FollowedFileStatus {
  file: string;
  /** Everything before it is in the spool (the checkpoint). */
  offset: number;
  /** Read up to here (records beyond `offset` are on their way to the spool). */
  readOffset?: number;
  size?: number;
  /** Renamed away; read to its end, then closed. */
  rotated?: boolean;
}

export interface AgentStatus {
  pid: number;
  /** running, draining (SIGTERM received, sending what is spooled) or stopped. */
  state: 'running' | 'draining' | 'stopped';
  startedAt: string;
  updatedAt: string;
  logGroup: string;
  logStream: string;
  endpoint: string;
  files: FollowedFileStatus[];
  spool: { bytes: number; maxBytes: number; records?: number; full?: boolean };
  sent: { events: number; batches?: number };
  lastSendAt?: string;
  lastError?: { at: string; code?: string; message: string };
  /** The ship and tail parts' own figures, as they report them. */
  details?: Record<string, unknown>;
}

export const STATUS_FILE = 'status.json';

export async function writeStatusFile(stateDir: string, status: AgentStatus): Promise<void> {
  const file = join(stateDir, STATUS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  // A few KB into the page cache, no fsync: written directly, not as four promised steps every second.
  writeFileSync(temp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export type StatusRead = { ok: true; status: AgentStatus } | { ok: false; code: 'NO_STATUS' | 'BAD_STATUS'; message: string };

export async function readStatusFile(stateDir: string): Promise<StatusRead> {
  const file = join(stateDir, STATUS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, code: 'NO_STATUS', message: `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no status; the agent has not run with this state_dir' : (e as Error).message}.` };
  }
  try {
    return { ok: true, status: JSON.parse(text) as AgentStatus };
  } catch {
    return { ok: false, code: 'BAD_STATUS', message: `${file}: not JSON.` };
  }
}

/** Whether the process that wrote the status is still there (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The status as a person reads it; `now` for the ages. */
export function renderStatus(status: AgentStatus, now: number, alive: boolean): string {
  const age = (iso: string | undefined): string => (iso ? `${iso} (${Math.max(0, Math.round((now - Date.parse(iso)) / 1000))} s ago)` : 'never');
  const state = status.state !== 'stopped' && !alive ? `${status.state}, but process ${status.pid} is gone (killed?)` : `${status.state} (pid ${status.pid})`;
  const lines = [
    `state:       ${state}`,
    `updated:     ${age(status.updatedAt)}`,
    `ships to:    ${status.endpoint}, group ${status.logGroup}, stream ${status.logStream}`,
    `spool:       ${status.spool.bytes} of ${status.spool.maxBytes} bytes${status.spool.records !== undefined ? `, ${status.spool.records} records` : ''}${status.spool.full ? ' — FULL: reading is paused until it drains' : ''}`,
    `sent:        ${status.sent.events} events`,
    `last send:   ${age(status.lastSendAt)}`,
    `last error:  ${status.lastError ? `${status.lastError.at} ${status.lastError.code ? `${status.lastError.code}: ` : ''}${status.lastError.message}` : 'none'}`,
    `files:       ${status.files.length === 0 ? 'none yet' : ''}`,
    ...status.files.map((f) => `  ${f.file}  offset ${f.offset}${f.readOffset !== undefined && f.readOffset !== f.offset ? ` (read to ${f.readOffset})` : ''}${f.rotated ? ' (rotated away)' : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
