/**
 * @module Per-group sliding windows in event time, for threshold and spread rules. A window fires
 * once when its condition holds over at most `windowMs` of event time, and the alerts of that window
 * (up to its start + windowMs) are then spent: the next detection of the group counts only later
 * alerts. Deterministic: the same alerts in the same order give the same windows, so a restart from
 * the saved state fires where the first run would have, and never twice. Pure.
 */
import type { DetectionEvidence } from '../core/detection.js';

/** Evidence is kept for the first alerts of a window only (a detection carries at most 10). */
export const MAX_EVIDENCE = 10;

export interface WindowEntry {
  /** The document id: an alert delivered twice is counted once. */
  id: string;
  t: number;
  host: string;
  evidence?: DetectionEvidence;
}

export interface GroupWindowState {
  entries: WindowEntry[];
  /** Alerts before this time belong to a window that has fired already. */
  spentUntil: number;
}

export interface Fired {
  startMs: number;
  endMs: number;
  count: number;
  hosts: string[];
  evidence: DetectionEvidence[];
}

export function emptyWindow(): GroupWindowState {
  return { entries: [], spentUntil: Number.NEGATIVE_INFINITY };
}

/**
 * Adds an alert to a threshold window (at least `count` alerts within `windowMs`); returns what
 * fired, if this alert made the condition hold. Entries stay sorted by time; at most `count` are
 * kept, since only the latest `count` can decide.
 */
export function addToThreshold(state: GroupWindowState, entry: WindowEntry, count: number, windowMs: number): Fired | undefined {
  if (entry.t < state.spentUntil) return undefined;
  if (!insertSorted(state.entries, entry)) return undefined;
  const latest = (state.entries[state.entries.length - 1] as WindowEntry).t;
  evictBefore(state.entries, latest - windowMs);
  if (state.entries.length > count) state.entries.splice(0, state.entries.length - count);
  if (state.entries.length < count) return undefined;
  return fire(state, state.entries, windowMs, state.entries.length);
}

/**
 * Adds an alert to a spread window (one group on at least `hosts` distinct hosts within
 * `windowMs`). Entries keep each host's latest alert (and the evidence of its first).
 */
export function addToSpread(state: GroupWindowState, entry: WindowEntry, hosts: number, windowMs: number): Fired | undefined {
  if (entry.t < state.spentUntil) return undefined;
  const entries = state.entries;
  const same = entries.findIndex((e) => e.host === entry.host);
  if (same >= 0) {
    const previous = entries[same] as WindowEntry;
    if (previous.id === entry.id || previous.t >= entry.t) return undefined;
    entries.splice(same, 1);
    insertSorted(entries, { ...entry, ...(previous.evidence ? { evidence: previous.evidence } : {}) });
  } else if (!insertSorted(entries, entry)) return undefined;
  const latest = (entries[entries.length - 1] as WindowEntry).t;
  evictBefore(entries, latest - windowMs);
  if (entries.length < hosts) return undefined;
  return fire(state, entries, windowMs, entries.length);
}

function fire(state: GroupWindowState, entries: WindowEntry[], windowMs: number, count: number): Fired {
  const startMs = (entries[0] as WindowEntry).t;
  const fired: Fired = {
    startMs,
    endMs: startMs + windowMs,
    count,
    hosts: [...new Set(entries.map((e) => e.host))].sort(),
    evidence: entries.flatMap((e) => (e.evidence ? [e.evidence] : [])).slice(0, MAX_EVIDENCE),
  };
  state.spentUntil = startMs + windowMs;
  state.entries = [];
  return fired;
}

/** Inserts by time (after equal times); false when an entry with this id is there already. */
function insertSorted(entries: WindowEntry[], entry: WindowEntry): boolean {
  if (entries.some((e) => e.id === entry.id)) return false;
  let i = entries.length;
  while (i > 0 && (entries[i - 1] as WindowEntry).t > entry.t) i--;
  if (i >= MAX_EVIDENCE) delete entry.evidence;
  entries.splice(i, 0, entry);
  return true;
}

/** Drops entries at or before `cutoff`: a window is `windowMs` long, its ends inclusive of the start. */
function evictBefore(entries: WindowEntry[], cutoff: number): void {
  let n = 0;
  while (n < entries.length && (entries[n] as WindowEntry).t <= cutoff) n++;
  if (n > 0) entries.splice(0, n);
}
