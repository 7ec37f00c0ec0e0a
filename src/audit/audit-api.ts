/**
 * @module `GET /api/audit`: the audit log, newest first, filtered by time range, actor, action,
 * outcome, resource and text, paged with a cursor (or followed with `after_id`). Who may read it
 * is decided by the route table (admin); this router only reads.
 */
import { Hono } from 'hono';
import { auditRecordJson, encodeAuditCursor, parseAuditQuery, type AuditQuery } from './audit-query.js';
import type { AuditPage } from './audit-store.js';

export interface AuditLogReader {
  search(query: AuditQuery): Promise<AuditPage>;
  /** Entries lost since start (buffer full, store failing), so that a reader knows the trail has a gap. */
  readonly dropped: number;
}

export function createAuditApi(deps: { auditLog: AuditLogReader; now: () => number }): Hono {
  const api = new Hono();
  api.get('/audit', async (c) => {
    const query = parseAuditQuery(new URL(c.req.url).searchParams, deps.now());
    if (!query.ok) return c.json({ error: query.error }, 400);
    const page = await deps.auditLog.search(query.value);
    return c.json({
      entries: page.entries.map(auditRecordJson),
      next_cursor: page.nextCursor ? encodeAuditCursor(page.nextCursor) : null,
      dropped: deps.auditLog.dropped,
    });
  });
  return api;
}
