/** @module Retention: deleting events older than their group's retention in days. */
import type { LogCatalog } from './log-catalog.js';
import { sqlInt, type LogDatabase } from './log-database.js';
import { EVENTS } from './log-schema.js';

const DAY_MS = 86_400_000;

/** Deletes events older than their group's retention; groups without retention keep everything. */
export function expireEvents(db: LogDatabase, catalog: LogCatalog, nowMs: number): Promise<{ deleted: number }> {
  return db.write(async () => {
    const cutoffs = [...catalog.groups.values()].filter((g) => g.retentionDays !== undefined).map((g) => ({ id: g.id, cutoff: nowMs - (g.retentionDays as number) * DAY_MS }));
    const stale = cutoffs.filter(({ id, cutoff }) => [...catalog.streamsById.values()].some((s) => s.group.id === id && s.firstEventTimestamp !== undefined && s.firstEventTimestamp < cutoff));
    if (stale.length === 0) return { deleted: 0 };
    let deleted = 0;
    await db.transaction(async () => {
      await db.saveLastSequence();
      const condition = stale.map(({ id, cutoff }) => `(group_id = ${sqlInt(id)} AND ts < ${sqlInt(cutoff)})`).join(' OR ');
      deleted = (await db.writer.run(`DELETE FROM ${EVENTS} WHERE ${condition}`)).rowsChanged;
    });
    await catalog.loadStreamStats(stale.map((s) => s.id));
    return { deleted };
  });
}
