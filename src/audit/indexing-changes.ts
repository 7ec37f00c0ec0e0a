/**
 * @module The changes that decide what gets indexed (a log group's subscription filters and
 * retention, and its deletion), per log group, for `/api/ingest`: a filter that never matches
 * silently stops indexing, so who set it, when and from where must be visible beside the lag.
 */
import type { AuditQuery, StoredAuditEntry } from './audit-query.js';
import { auditRecordJson, type AuditRecordJson } from './audit-query.js';
import type { AuditPage } from './audit-store.js';

export const INDEXING_ACTIONS = ['logs:PutSubscriptionFilter', 'logs:DeleteSubscriptionFilter', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:DeleteLogGroup'] as const;

/** The log group an entry's resource names (`…:log-group:NAME`, `…:log-group:NAME:*`, or a plain name). */
export function logGroupOfResource(resource: string | undefined): string | undefined {
  if (resource === undefined || resource === '') return undefined;
  const m = /:log-group:([^:]+)/.exec(resource);
  if (m) return m[1];
  return resource.startsWith('arn:') ? undefined : resource;
}

/** The latest such changes (at most `perGroup` each, newest first), allowed, denied or failed, keyed by log group. */
export async function indexingChangesByGroup(audit: { search(q: AuditQuery): Promise<AuditPage> }, options: { perGroup?: number; scan?: number } = {}): Promise<Map<string, AuditRecordJson[]>> {
  const perGroup = options.perGroup ?? 10;
  const page = await audit.search({ actors: [], actions: [...INDEXING_ACTIONS], outcomes: [], resources: [], limit: options.scan ?? 500 });
  const byGroup = new Map<string, AuditRecordJson[]>();
  for (const entry of page.entries as StoredAuditEntry[]) {
    const group = logGroupOfResource(entry.resource);
    if (group === undefined) continue;
    const list = byGroup.get(group) ?? [];
    if (list.length < perGroup) list.push(auditRecordJson(entry));
    byGroup.set(group, list);
  }
  return byGroup;
}
