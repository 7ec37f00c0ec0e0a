/**
 * @module The audit inbox: how a process other than the server (`hidsmon indices --delete`)
 * records an entry. A running server holds `audit.duckdb` locked, so the entry is
 * appended, fsync'd, to `<data>/audit-inbox.jsonl` (one JSON line, owner-only), and the store
 * takes the inbox in: the server every second, or the next process that opens the store. Taking
 * in renames the file first, so that appends made meanwhile start a new inbox; a crash while
 * taking in can record an entry twice, never lose it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '../core/audit.js';
import { AUDIT_OUTCOMES } from './audit-query.js';

export const AUDIT_INBOX = 'audit-inbox.jsonl';
const TAKING = `${AUDIT_INBOX}.taking-`;
const ACTOR_KINDS = ['access-key', 'api-token', 'session', 'system', 'anonymous'];

/** Appends one entry for the server to take in; returns when it is on disk. Throws only on I/O errors (the caller decides). */
export function appendAuditInbox(dataDir: string, entry: AuditEntry): void {
  const fd = openSync(join(dataDir, AUDIT_INBOX), 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An inbox line as an entry, or undefined when it is not one (the inbox is data, checked like any input). */
export function entryFromInboxLine(line: string): AuditEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const e = value as Record<string, unknown>;
  const actor = e['actor'] as Record<string, unknown> | undefined;
  if (typeof e['timeMs'] !== 'number' || typeof e['action'] !== 'string' || !(AUDIT_OUTCOMES as readonly unknown[]).includes(e['outcome'])) return undefined;
  if (!actor || typeof actor !== 'object' || !ACTOR_KINDS.includes(actor['kind'] as string) || typeof actor['id'] !== 'string') return undefined;
  return value as AuditEntry;
}

/**
 * Moves the inbox aside and hands its entries to `record`, then `settle` (the store's flush), then
 * deletes what was taken. Returns how many entries were taken and how many lines were not entries.
 */
export async function takeAuditInbox(dataDir: string, record: (entry: AuditEntry) => void, settle: () => Promise<void>): Promise<{ taken: number; invalid: number }> {
  const inbox = join(dataDir, AUDIT_INBOX);
  if (existsSync(inbox)) {
    renameSync(inbox, join(dataDir, `${TAKING}${Date.now()}-${process.pid}`));
    // A writer that opened the inbox just before the rename writes into the moved file: it is given
    // a moment (its open, write, fsync and close take milliseconds) before the file is read.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Files left by a crash while taking in are taken again (at least once).
  const files = readdirSync(dataDir).filter((f) => f.startsWith(TAKING)).sort();
  let taken = 0;
  let invalid = 0;
  for (const name of files) {
    const path = join(dataDir, name);
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const entry = entryFromInboxLine(line);
      if (entry) {
        record(entry);
        taken++;
      } else invalid++;
    }
    await settle();
    unlinkSync(path);
  }
  return { taken, invalid };
}

/** Takes the inbox in every `intervalMs` (the server's loop); returns the function that stops it. */
export function watchAuditInbox(dataDir: string, store: { record(entry: AuditEntry): void; flushed(): Promise<void> }, onError: (error: unknown) => void, intervalMs = 1000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || !existsSync(join(dataDir, AUDIT_INBOX))) return;
    running = true;
    takeAuditInbox(dataDir, (e) => store.record(e), () => store.flushed())
      .catch(onError)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
