/**
 * @module Retention: deleting events older than their group's retention in days, but never one
 * that a destination receiving the group has not taken yet (its cursor is below the event's
 * sequence number). Alerts are evidence: a sink that is down for longer than the retention delays
 * the deletion instead of losing what it was never sent.
 */
import type { LogCatalog } from './log-catalog.js';
import { sqlInt, type LogDatabase } from './log-database.js';
import { EVENTS } from './log-schema.js';

const DAY_MS = 86_400_000;

/** One destination that receives one group's events (a subscription, or the embedded index by auto-subscription). */
export interface RetentionReceiver {
  logGroup: string;
  destination: string;
}

/** A destination whose cursor holds back expired events. */
export interface RetentionWait {
  destination: string;
  /** The last sequence number it has taken (0: none yet). */
  cursor: number;
  /** Events past retention, in groups it receives, that it has not taken. */
  heldEvents: number;
}

export interface RetentionOutcome {
  deleted: number;
  /** Events past retention kept because some destination has not taken them yet. */
  heldEvents: number;
  /** Who retention waits on, the most held first; empty when nothing is held back. */
  waitingOn: RetentionWait[];
}

interface StaleGroup {
  id: number;
  cutoff: number;
  destinations: string[];
  /** Events at or below it have been taken by every destination of the group; undefined when none receives it. */
  minCursor?: number;
}

/**
 * Deletes events older than their group's retention that every receiver of the group has taken.
 * `receivers` are the destinations that count now (the caller knows which have subscriptions and
 * sinks); a destination without a cursor has taken nothing. Groups without retention keep everything.
 */
export function expireEvents(db: LogDatabase, catalog: LogCatalog, cursorOf: (destination: string) => number | undefined, nowMs: number, receivers: readonly RetentionReceiver[]): Promise<RetentionOutcome> {
  return db.write(async () => {
    const byGroup = new Map<string, Set<string>>();
    for (const r of receivers) {
      let set = byGroup.get(r.logGroup);
      if (!set) byGroup.set(r.logGroup, (set = new Set()));
      set.add(r.destination);
    }
    const cursor = (destination: string): number => cursorOf(destination) ?? 0;
    const stale: StaleGroup[] = [];
    for (const group of catalog.groups.values()) {
      if (group.retentionDays === undefined) continue;
      const cutoff = nowMs - group.retentionDays * DAY_MS;
      let expired = false;
      for (const s of group.streams.values()) if (s.firstEventTimestamp !== undefined && s.firstEventTimestamp < cutoff) expired = true;
      if (!expired) continue;
      const destinations = [...(byGroup.get(group.name) ?? [])];
      const entry: StaleGroup = { id: group.id, cutoff, destinations };
      if (destinations.length > 0) entry.minCursor = Math.min(...destinations.map(cursor));
      stale.push(entry);
    }
    if (stale.length === 0) return { deleted: 0, heldEvents: 0, waitingOn: [] };
    const expiredIn = (g: StaleGroup): string => `(group_id = ${sqlInt(g.id)} AND ts < ${sqlInt(g.cutoff)})`;
    let deleted = 0;
    await db.transaction(async () => {
      await db.saveLastSequence();
      const condition = stale.map((g) => (g.minCursor === undefined ? expiredIn(g) : `(${expiredIn(g)} AND seq <= ${sqlInt(g.minCursor)})`)).join(' OR ');
      deleted = (await db.writer.run(`DELETE FROM ${EVENTS} WHERE ${condition}`)).rowsChanged;
    });
    await catalog.loadStreamStats(stale.map((g) => g.id));
    // What is left past retention is held back; skip the counting when no cursor can hold anything.
    const holding = stale.filter((g) => g.minCursor !== undefined && g.minCursor < db.lastSequence);
    if (holding.length === 0) return { deleted, heldEvents: 0, waitingOn: [] };
    const count = async (where: string): Promise<number> => Number((await db.writer.runAndReadAll(`SELECT count(*) FROM ${EVENTS} WHERE ${where}`)).getRows()[0]?.[0] ?? 0);
    const heldEvents = await count(holding.map(expiredIn).join(' OR '));
    const waitingOn: RetentionWait[] = [];
    for (const destination of new Set(holding.flatMap((g) => g.destinations))) {
      const at = cursor(destination);
      const groups = holding.filter((g) => g.destinations.includes(destination));
      const held = await count(`seq > ${sqlInt(at)} AND (${groups.map(expiredIn).join(' OR ')})`);
      if (held > 0) waitingOn.push({ destination, cursor: at, heldEvents: held });
    }
    waitingOn.sort((a, b) => b.heldEvents - a.heldEvents || (a.destination < b.destination ? -1 : 1));
    return { deleted, heldEvents, waitingOn };
  });
}
