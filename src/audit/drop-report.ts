/**
 * @module Reports audit entries that were lost: each is counted at once, and logged at error (data
 * lost, an operator must act), but at most once per interval with the sum, so that a flood of
 * refused requests filling the buffer cannot also flood the server's log.
 */
import type { AuditDropReason } from './audit-store.js';

export function reportAuditDrops(options: {
  count: (n: number, reason: AuditDropReason) => void;
  log: (fields: Record<string, unknown>, message: string) => void;
  intervalMs?: number;
  now?: () => number;
}): (n: number, reason: AuditDropReason, error?: unknown) => void {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let lastLogMs = -Infinity;
  const unlogged = new Map<AuditDropReason, number>();
  let lastError: unknown;
  return (n, reason, error) => {
    options.count(n, reason);
    unlogged.set(reason, (unlogged.get(reason) ?? 0) + n);
    if (error !== undefined) lastError = error;
    if (now() - lastLogMs < intervalMs) return;
    lastLogMs = now();
    const dropped = Object.fromEntries(unlogged);
    unlogged.clear();
    options.log({ dropped, ...(lastError !== undefined ? { err: lastError } : {}) }, 'Audit log entries were lost (see hidsmon_audit_dropped_total).');
    lastError = undefined;
  };
}
