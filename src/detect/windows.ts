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
  /** Sorted by time from `head` on; what is before `head` has left the window (dropped in bulk, not one by one). */
  entries: WindowEntry[];
  head: number;
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
  return { entries: [], head: 0, spentUntil: Number.NEGATIVE_INFINITY };
}

/** The entries in the window, oldest first (for a snapshot). */
export function liveEntries(state: GroupWindowState): WindowEntry[] {
  return state.entries.slice(state.head);
}

export function windowFrom(entries: WindowEntry[], spentUntil: number): GroupWindowState {
  return { entries, head: 0, spentUntil };
}

const size = (state: GroupWindowState): number => state.entries.length - state.head;

/**
 * Adds an alert to a threshold window (at least `count` alerts within `windowMs`); returns what
 * fired, if this alert made the condition hold. Entries stay sorted by time; at most `count` are
 * kept, since only the latest `count` can decide. O(1) amortized for alerts in time order.
 */
export function addToThreshold(state: GroupWindowState, entry: WindowEntry, count: number, windowMs: number): Fired | undefined {
  if (entry.t < state.spentUntil) return undefined;
  if (!insertSorted(state, entry)) return undefined;
  const latest = (state.entries[state.entries.length - 1] as WindowEntry).t;
  evictBefore(state, latest - windowMs);
  if (size(state) > count) drop(state, size(state) - count);
  if (size(state) < count) return undefined;
  return fire(state, windowMs, size(state));
}

/**
 * Adds an alert to a spread window (one group on at least `hosts` distinct hosts within
 * `windowMs`). Entries keep each host's latest alert (and the evidence of its first).
 */
export function addToSpread(state: GroupWindowState, entry: WindowEntry, hosts: number, windowMs: number): Fired | undefined {
  if (entry.t < state.spentUntil) return undefined;
  compact(state);
  const entries = state.entries;
  const same = entries.findIndex((e) => e.host === entry.host);
  if (same >= 0) {
    const previous = entries[same] as WindowEntry;
    if (previous.id === entry.id || previous.t >= entry.t) return undefined;
    entries.splice(same, 1);
    insertSorted(state, { ...entry, ...(previous.evidence ? { evidence: previous.evidence } : {}) });
  } else if (!insertSorted(state, entry)) return undefined;
  const latest = (state.entries[state.entries.length - 1] as WindowEntry).t;
  evictBefore(state, latest - windowMs);
  if (size(state) < hosts) return undefined;
  return fire(state, windowMs, size(state));
}

function fire(state: GroupWindowState, windowMs: number, count: number): Fired {
  const entries = liveEntries(state);
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
  state.head = 0;
  return fired;
}

/**
 * Inserts by time (after equal times); false when an entry with this id is there already. A
 * duplicate has its original's time, so only the entries of that same time are compared.
 */
function insertSorted(state: GroupWindowState, entry: WindowEntry): boolean {
  const entries = state.entries;
  let i = entries.length;
  while (i > state.head && (entries[i - 1] as WindowEntry).t > entry.t) i--;
  for (let j = i - 1; j >= state.head && (entries[j] as WindowEntry).t === entry.t; j--) if ((entries[j] as WindowEntry).id === entry.id) return false;
  const kept = i - state.head < MAX_EVIDENCE || entry.evidence === undefined ? entry : { id: entry.id, t: entry.t, host: entry.host };
  if (i === entries.length) entries.push(kept);
  else entries.splice(i, 0, kept);
  return true;
}

/** Drops entries at or before `cutoff`: a window is `windowMs` long, its ends inclusive of the start. */
function evictBefore(state: GroupWindowState, cutoff: number): void {
  let n = 0;
  while (state.head + n < state.entries.length && (state.entries[state.head + n] as WindowEntry).t <= cutoff) n++;
  if (n > 0) drop(state, n);
}

function drop(state: GroupWindowState, n: number): void {
  state.head += n;
  if (state.head > 64 && state.head * 2 > state.entries.length) compact(state);
}

function compact(state: GroupWindowState): void {
  if (state.head === 0) return;
  state.entries = state.entries.slice(state.head);
  state.head = 0;
}
