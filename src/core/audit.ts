/**
 * @module The audit trail's entry: every change that is not PutLogEvents (log groups, streams,
 * subscriptions, retention, deletions, index deletions, keys, logins), allowed or refused. Types
 * only; the audit log stores and searches them, the APIs record them.
 */
import type { Principal } from './principal.js';

export type AuditOutcome = 'allowed' | 'denied' | 'failed';

export interface AuditEntry {
  /** Epoch ms. */
  timeMs: number;
  actor: Principal;
  /** The peer's address, as the server saw it. */
  sourceIp?: string;
  /** What was asked, in a stable vocabulary: `logs:CreateLogGroup`, `index:Delete`, `keys:Create`, `session:Login`, … */
  action: string;
  /** What it was asked of: a log group ARN, an index name, a key id. */
  resource?: string;
  outcome: AuditOutcome;
  /** Why it was refused or failed, or what changed (a short text, never a secret). */
  message?: string;
  /** Small facts about the change (a filter pattern, a retention in days); never secrets. */
  detail?: Record<string, unknown>;
  requestId?: string;
}

/** Where the APIs send audit entries; recording must not fail the request that it records. */
export interface AuditRecorder {
  record(entry: AuditEntry): void;
}
