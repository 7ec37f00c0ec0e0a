/**
 * @module The audit entry of a change a command makes to a data directory itself (`hidsmon indices
 * --delete`, which runs while no server holds the index): appended to the directory's audit inbox,
 * which the next server start (or `hidsmon audit --data`) takes in. The actor is this machine's
 * user, through the CLI: no key or token was shown for it. Recording never fails the change; a
 * failure is said.
 */
import { userInfo } from 'node:os';
import { appendAuditInbox } from '../../audit/audit-inbox.js';
import type { CommandContext } from './main.js';

export function recordCliChange(command: string, dataDir: string, ctx: CommandContext, change: { action: string; resource: string; message: string; detail?: Record<string, unknown> }): void {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the uid is in the detail anyway.
  }
  try {
    appendAuditInbox(dataDir, {
      timeMs: ctx.now(),
      actor: { kind: 'system', id: 'hidsmon' },
      action: change.action,
      resource: change.resource,
      outcome: 'allowed',
      message: `${change.message} By hidsmon ${command}, as user ${user}.`,
      detail: { via: 'cli', user, uid: process.getuid?.() ?? null, ...change.detail },
    });
  } catch (e) {
    ctx.stderr.write(`hidsmon ${command}: the change is made, but its audit entry could not be written (${(e as Error).message}).\n`);
  }
}
