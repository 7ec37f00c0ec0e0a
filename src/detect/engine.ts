/**
 * @module The rule engine: each indexed document against every enabled rule's matcher, in memory,
 * with per-rule, per-group state in event time (threshold and spread windows, new-term history,
 * silent-host last-seen). It emits detections with deterministic ids (rule, group, window start),
 * and its whole state is a JSON snapshot that `restore` resumes from, so that a restart neither
 * loses a window nor fires twice. Work per document is bounded (one matcher and one window update
 * per rule, windows and groups capped); a rule that throws is disabled and reported. Pure: the
 * clock is given, I/O is the caller's (engine-runner.ts).
 */
import { createHash } from 'node:crypto';
import type { Detection, DetectionEvidence, GroupValue } from '../core/detection.js';
import type { IndexedDocument } from '../core/document.js';
import { getPath } from '../core/paths.js';
import type { QueryNode } from '../query/ast.js';
import { KEYWORD_SUBFIELD, schemaField } from '../query/fields.js';
import { MatchDocument } from './match.js';
import type { CompiledRule, Rule } from './rules.js';
import { addToSpread, addToThreshold, emptyWindow, liveEntries, windowFrom, type Fired, type GroupWindowState, type WindowEntry } from './windows.js';

/** Groups one rule keeps at once; past this the least recently active ones are dropped (and counted). */
export const MAX_GROUPS_PER_RULE = 10_000;
/** Host/value pairs one new-term rule remembers. */
export const MAX_TERMS_PER_RULE = 200_000;
export const MAX_EVIDENCE_TEXT = 2000;
const STATE_VERSION = 1;

export interface EngineOptions {
  /** Wall clock, for createdAt and silent hosts. */
  now: () => number;
  emit: (detection: Detection) => void;
  /** A rule that threw: it is disabled until it is replaced or the engine restarts. */
  onRuleError?: (ruleId: string, error: Error) => void;
  /** Groups or terms dropped to keep a rule's state bounded. */
  onStateDropped?: (ruleId: string, count: number) => void;
}

type Groups = Map<string, { group: GroupValue[]; window: GroupWindowState; lastMs: number }>;
type RuleState =
  | { kind: 'threshold'; groups: Groups }
  | { kind: 'spread'; groups: Groups }
  | { kind: 'new_term'; hosts: Map<string, { firstMs: number; values: Map<string, number> }>; size: number }
  | { kind: 'silent_host'; hosts: Map<string, { lastMs: number; firedFor?: number }> };

interface Slot {
  compiled: CompiledRule;
  fingerprint: string;
  state: RuleState;
  disabled?: string;
  /** The document generation this slot is a candidate for (see `index`). */
  mark?: number;
}

export interface RuleStatus {
  id: string;
  enabled: boolean;
  /** Why the engine disabled it (the error it threw). */
  error?: string;
  /** Groups, hosts or terms it holds. */
  stateSize: number;
}

export class DetectionEngine {
  private readonly slots = new Map<string, Slot>();
  /** Rules by a value a matching document must hold (`rule.sidid:5402`), so that most rules are not even asked. */
  private index: RuleIndex = { byField: new Map(), always: [] };
  private generation = 0;
  private readonly startedMs: number;
  private documentsSeen = 0;

  constructor(private readonly options: EngineOptions) {
    this.startedMs = options.now();
  }

  /** Replaces the rule set; a rule whose definition is unchanged keeps its state. */
  setRules(rules: readonly CompiledRule[]): void {
    const next = new Map<string, Slot>();
    for (const compiled of rules) {
      const fingerprint = fingerprintOf(compiled.rule);
      const old = this.slots.get(compiled.rule.id);
      next.set(compiled.rule.id, old && old.fingerprint === fingerprint ? { ...old, compiled } : { compiled, fingerprint, state: freshState(compiled.rule) });
    }
    this.slots.clear();
    for (const [id, slot] of next) this.slots.set(id, slot);
    this.index = indexRules([...this.slots.values()]);
  }

  get documents(): number {
    return this.documentsSeen;
  }

  status(): RuleStatus[] {
    return [...this.slots.values()].map((s) => ({
      id: s.compiled.rule.id,
      enabled: s.compiled.rule.enabled && s.disabled === undefined,
      ...(s.disabled !== undefined ? { error: s.disabled } : {}),
      stateSize: s.state.kind === 'new_term' ? s.state.size : s.state.kind === 'silent_host' ? s.state.hosts.size : s.state.groups.size,
    }));
  }

  /** Evaluates one indexed document against every rule. Never throws. */
  evaluate(indexed: IndexedDocument): void {
    this.documentsSeen++;
    const source = indexed.document;
    const t = Date.parse(String(source['@timestamp']));
    if (!Number.isFinite(t)) return;
    const host = String(source['@log_stream'] ?? '');
    const doc = new MatchDocument(source);
    let evidence: DetectionEvidence | undefined;
    const evidenceOf = (): DetectionEvidence => (evidence ??= evidenceFrom(indexed));
    const generation = ++this.generation;
    for (const slot of this.index.always) slot.mark = generation;
    for (const [field, byValue] of this.index.byField) {
      for (const v of doc.values(field)) {
        const key = indexKey(field, v);
        if (key === undefined) continue;
        for (const slot of byValue.get(key) ?? []) slot.mark = generation;
      }
    }
    for (const slot of this.slots.values()) {
      if (slot.mark !== generation || !slot.compiled.rule.enabled || slot.disabled !== undefined) continue;
      try {
        if (!slot.compiled.matches(doc)) continue;
        this.apply(slot, doc, indexed.id, t, host, evidenceOf);
      } catch (e) {
        this.disable(slot, e);
      }
    }
  }

  /** Silent hosts as of `nowMs`: a host whose last matching document is older than the rule's `after`. */
  tick(nowMs = this.options.now()): void {
    for (const slot of this.slots.values()) {
      const rule = slot.compiled.rule;
      if (slot.state.kind !== 'silent_host' || rule.condition.kind !== 'silent_host' || !rule.enabled || slot.disabled !== undefined) continue;
      const afterMs = rule.condition.afterMs;
      // Right after a start the backlog is still being read: nobody is silent before `after` has passed.
      if (nowMs - this.startedMs < afterMs) continue;
      try {
        for (const [host, seen] of slot.state.hosts) {
          if (nowMs - seen.lastMs < afterMs || seen.firedFor === seen.lastMs) continue;
          seen.firedFor = seen.lastMs;
          const group = [{ field: '@log_stream', value: host }];
          this.emit(rule, group, { startMs: seen.lastMs, endMs: seen.lastMs + afterMs, count: 0, hosts: [host], evidence: [] });
        }
      } catch (e) {
        this.disable(slot, e);
      }
    }
  }

  private apply(slot: Slot, doc: MatchDocument, id: string, t: number, host: string, evidenceOf: () => DetectionEvidence): void {
    const rule = slot.compiled.rule;
    const c = rule.condition;
    const state = slot.state;
    if (state.kind === 'silent_host') {
      if (host === '') return;
      const seen = state.hosts.get(host);
      if (seen) seen.lastMs = Math.max(seen.lastMs, t);
      else state.hosts.set(host, { lastMs: t });
      return;
    }
    if (state.kind === 'new_term' && c.kind === 'new_term') {
      if (host === '') return;
      const values = c.fields.map((f) => groupValueOf(doc, f));
      if (values.some((v) => v === undefined)) return;
      const key = JSON.stringify(values);
      let h = state.hosts.get(host);
      if (!h) {
        h = { firstMs: t, values: new Map() };
        state.hosts.set(host, h);
      }
      h.firstMs = Math.min(h.firstMs, t);
      const last = h.values.get(key);
      if (last !== undefined && t - last <= c.historyMs) {
        if (t > last) h.values.set(key, t);
        return;
      }
      if (last === undefined) state.size++;
      h.values.set(key, Math.max(t, last ?? t));
      if (state.size > MAX_TERMS_PER_RULE) this.pruneTerms(slot, t);
      if (t - h.firstMs < c.learningMs) return;
      const group = [{ field: '@log_stream', value: host }, ...c.fields.map((f, i) => ({ field: f, value: values[i] as string }))];
      this.emit(rule, group, { startMs: t, endMs: t + 1, count: 1, hosts: [host], evidence: [evidenceOf()] });
      return;
    }
    if (state.kind !== 'threshold' && state.kind !== 'spread') return;
    const fields = c.kind === 'threshold' || c.kind === 'spread' ? c.groupBy : [];
    let key = '';
    const values: string[] = [];
    for (const f of fields) {
      const v = groupValueOf(doc, f);
      if (v === undefined) return;
      values.push(v);
      // Length-prefixed: values are any text, so no separator alone could keep two groups apart.
      key += `${v.length}:${v}`;
    }
    let g = state.groups.get(key);
    if (!g) {
      if (state.groups.size >= MAX_GROUPS_PER_RULE) this.pruneGroups(slot);
      g = { group: fields.map((f, i) => ({ field: f, value: values[i] as string })), window: emptyWindow(), lastMs: t };
      state.groups.set(key, g);
    }
    g.lastMs = Math.max(g.lastMs, t);
    const entry = { id, t, host, evidence: evidenceOf() };
    const fired = c.kind === 'threshold' ? addToThreshold(g.window, entry, c.count, c.windowMs) : c.kind === 'spread' ? addToSpread(g.window, entry, c.hosts, c.windowMs) : undefined;
    if (fired) this.emit(rule, g.group, fired);
  }

  private emit(rule: Rule, group: GroupValue[], fired: Fired): void {
    const detection: Detection = {
      id: detectionId(rule.id, group, fired.startMs),
      rule: { id: rule.id, name: rule.name, kind: rule.condition.kind, severity: rule.severity },
      group,
      count: fired.count,
      hosts: fired.hosts,
      window: { start: new Date(fired.startMs).toISOString(), end: new Date(fired.endMs).toISOString() },
      createdAt: new Date(this.options.now()).toISOString(),
      status: 'open',
      query: detectionQuery(rule.query, group),
      evidence: fired.evidence,
    };
    this.options.emit(detection);
  }

  private disable(slot: Slot, e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    slot.disabled = error.message;
    this.options.onRuleError?.(slot.compiled.rule.id, error);
  }

  /** Drops the tenth of the groups that were active longest ago. */
  private pruneGroups(slot: Slot): void {
    if (slot.state.kind !== 'threshold' && slot.state.kind !== 'spread') return;
    const groups = slot.state.groups;
    const drop = [...groups.entries()].sort((a, b) => a[1].lastMs - b[1].lastMs).slice(0, Math.ceil(groups.size / 10));
    for (const [key] of drop) groups.delete(key);
    this.options.onStateDropped?.(slot.compiled.rule.id, drop.length);
  }

  /** Forgets terms past their history, then, if still too many, the oldest tenth. */
  private pruneTerms(slot: Slot, nowMs: number): void {
    const state = slot.state;
    const c = slot.compiled.rule.condition;
    if (state.kind !== 'new_term' || c.kind !== 'new_term') return;
    const all: Array<[string, string, number]> = [];
    for (const [host, h] of state.hosts) for (const [k, last] of h.values) all.push([host, k, last]);
    let dropped = 0;
    const remove = (host: string, key: string): void => {
      state.hosts.get(host)?.values.delete(key);
      state.size--;
      dropped++;
    };
    for (const [host, key, last] of all) if (nowMs - last > c.historyMs) remove(host, key);
    if (state.size > MAX_TERMS_PER_RULE * 0.9) {
      const live = all.filter(([, , last]) => nowMs - last <= c.historyMs).sort((a, b) => a[2] - b[2]);
      for (const [host, key] of live.slice(0, Math.ceil(live.length / 10))) remove(host, key);
    }
    if (dropped > 0) this.options.onStateDropped?.(slot.compiled.rule.id, dropped);
  }

  /** The whole state as JSON-able data (for a file written atomically). */
  snapshot(): EngineSnapshot {
    const rules: EngineSnapshot['rules'] = {};
    for (const [id, slot] of this.slots) {
      const s = slot.state;
      let data: unknown;
      if (s.kind === 'threshold' || s.kind === 'spread') data = [...s.groups.entries()].map(([k, g]) => [k, g.group, g.lastMs, liveEntries(g.window).map((e) => (e.evidence ? [e.id, e.t, e.host, e.evidence] : [e.id, e.t, e.host])), g.window.spentUntil === Number.NEGATIVE_INFINITY ? null : g.window.spentUntil]);
      else if (s.kind === 'new_term') data = [...s.hosts.entries()].map(([h, v]) => [h, v.firstMs, [...v.values.entries()]]);
      else data = [...s.hosts.entries()].map(([h, v]) => [h, v.lastMs, v.firedFor ?? null]);
      rules[id] = { fingerprint: slot.fingerprint, kind: s.kind, data };
    }
    return { version: STATE_VERSION, documents: this.documentsSeen, rules };
  }

  /** Resumes from a snapshot: the state of each rule whose definition is unchanged. Call after setRules. */
  restore(snapshot: EngineSnapshot): void {
    if (snapshot.version !== STATE_VERSION) return;
    this.documentsSeen = snapshot.documents;
    for (const [id, saved] of Object.entries(snapshot.rules)) {
      const slot = this.slots.get(id);
      if (!slot || slot.fingerprint !== saved.fingerprint || slot.state.kind !== saved.kind) continue;
      const s = slot.state;
      if (s.kind === 'threshold' || s.kind === 'spread') {
        for (const [k, group, lastMs, tuples, spent] of saved.data as Array<[string, GroupValue[], number, Array<[string, number, string, DetectionEvidence?]>, number | null]>) {
          const entries: WindowEntry[] = tuples.map(([id, t, host, evidence]) => (evidence ? { id, t, host, evidence } : { id, t, host }));
          s.groups.set(k, { group, lastMs, window: windowFrom(entries, spent ?? Number.NEGATIVE_INFINITY) });
        }
      } else if (s.kind === 'new_term') {
        for (const [h, firstMs, values] of saved.data as Array<[string, number, Array<[string, number]>]>) {
          s.hosts.set(h, { firstMs, values: new Map(values) });
          s.size += values.length;
        }
      } else {
        for (const [h, lastMs, firedFor] of saved.data as Array<[string, number, number | null]>) s.hosts.set(h, { lastMs, ...(firedFor !== null ? { firedFor } : {}) });
      }
    }
  }
}

interface RuleIndex {
  byField: Map<string, Map<string, Slot[]>>;
  always: Slot[];
}

/** Fields a rule can be indexed by: typed keyword and whole-number fields (values compared exactly). */
const INDEXABLE: ReadonlySet<string> = new Set(['keyword', 'integer', 'long']);

function indexRules(slots: readonly Slot[]): RuleIndex {
  const index: RuleIndex = { byField: new Map(), always: [] };
  for (const slot of slots) {
    const keys = requiredValues(slot.compiled.ast);
    if (!keys) {
      index.always.push(slot);
      continue;
    }
    for (const [field, value] of keys) {
      let byValue = index.byField.get(field);
      if (!byValue) index.byField.set(field, (byValue = new Map()));
      const list = byValue.get(value) ?? [];
      if (!list.includes(slot)) list.push(slot);
      byValue.set(value, list);
    }
  }
  return index;
}

/**
 * Field values of which a matching document must hold at least one, or undefined when the query
 * names none: a term on an indexable field; of a bool, those of one required clause, or of every
 * optional clause when they alone decide. Never narrower than the matcher: a document the matcher
 * accepts always holds one of them.
 */
function requiredValues(node: QueryNode): Array<[string, string]> | undefined {
  if ((node.kind === 'term' || node.kind === 'phrase') && node.field !== null && !('exact' in node && node.exact)) {
    const spec = schemaField(node.field);
    if (!spec || !INDEXABLE.has(spec.type) || node.field.endsWith(`.${KEYWORD_SUBFIELD}`)) return undefined;
    const key = indexKey(node.field, node.value);
    return key === undefined ? undefined : [[node.field, key]];
  }
  if (node.kind !== 'bool') return undefined;
  for (const child of [...node.must, ...node.filter]) {
    const keys = requiredValues(child);
    if (keys) return keys;
  }
  const minimum = node.minimumShouldMatch ?? (node.must.length + node.filter.length === 0 ? 1 : 0);
  if (minimum < 1 || node.should.length === 0) return undefined;
  const all: Array<[string, string]> = [];
  for (const child of node.should) {
    const keys = requiredValues(child);
    if (!keys) return undefined;
    all.push(...keys);
  }
  return all;
}

/** A value as the index compares it: numbers of whole-number fields by value, keywords as they are. */
function indexKey(field: string, value: unknown): string | undefined {
  const type = schemaField(field)?.type;
  if (type === 'integer' || type === 'long') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) ? String(n) : undefined;
  }
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

export interface EngineSnapshot {
  version: number;
  documents: number;
  rules: Record<string, { fingerprint: string; kind: string; data: unknown }>;
}

function freshState(rule: Rule): RuleState {
  switch (rule.condition.kind) {
    case 'threshold':
      return { kind: 'threshold', groups: new Map() };
    case 'spread':
      return { kind: 'spread', groups: new Map() };
    case 'new_term':
      return { kind: 'new_term', hosts: new Map(), size: 0 };
    case 'silent_host':
      return { kind: 'silent_host', hosts: new Map() };
  }
}

function fingerprintOf(rule: Rule): string {
  return createHash('sha256').update(JSON.stringify([rule.query, rule.condition])).digest('hex').slice(0, 16);
}

/** A group field's value as text: its first value (a number or boolean as written); undefined when absent. */
function groupValueOf(doc: MatchDocument, field: string): string | undefined {
  const v = doc.values(field)[0];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Deterministic: the same rule, group and window start always give the same id. */
export function detectionId(ruleId: string, group: GroupValue[], startMs: number): string {
  return createHash('sha256').update(JSON.stringify([ruleId, group.map((g) => [g.field, g.value]), startMs])).digest('hex').slice(0, 32);
}

/** The rule's query AND each group value, as Lucene text that Discover runs. */
export function detectionQuery(query: string, group: GroupValue[]): string {
  const parts = group.map((g) => `${escapeField(g.field)}:"${g.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  const base = query.trim() === '' || query.trim() === '*' ? [] : [`(${query})`];
  return [...base, ...parts].join(' AND ') || '*';
}

function escapeField(field: string): string {
  return field.replace(/[\\+\-!():^[\]"{}~*?|&/\s]/g, (c) => `\\${c}`);
}

function evidenceFrom(indexed: IndexedDocument): DetectionEvidence {
  const d = indexed.document;
  const level = getPath(d, 'rule.level');
  const ruleId = getPath(d, 'rule.sidid') ?? getPath(d, 'rule.id');
  const description = getPath(d, 'rule.comment') ?? getPath(d, 'rule.description');
  const full = getPath(d, 'full_log');
  const text = typeof full === 'string' ? full : String(d['@message'] ?? '');
  return {
    id: indexed.id,
    index: indexed.index,
    '@timestamp': String(d['@timestamp']),
    '@log_stream': String(d['@log_stream'] ?? ''),
    ...(typeof level === 'number' ? { level } : {}),
    ...(ruleId !== undefined && ruleId !== null ? { ruleId: String(ruleId) } : {}),
    ...(typeof description === 'string' ? { description: description.slice(0, 512) } : {}),
    text: text.length > MAX_EVIDENCE_TEXT ? text.slice(0, MAX_EVIDENCE_TEXT) : text,
  };
}
