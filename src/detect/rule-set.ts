/**
 * @module The rules in force: the built-in pack, overridden by id by the rules of `<data>/rules/`
 * (files an operator put there, and rules added through the API, which are written to `api/` in it). Listeners hear of every
 * change, so that the engine picks it up at once. Pure.
 */
import type { CompiledRule } from './rules.js';

/** `file`: put under the rules directory by an operator (read-only through the API); `api`: added through the API (kept under `<rules>/api/`). */
export type RuleSource = 'builtin' | 'file' | 'api';

export interface RuleEntry {
  compiled: CompiledRule;
  source: RuleSource;
  /** For a file rule: its file name under the rules directory. */
  file?: string;
}

export class RuleSet {
  private readonly builtin = new Map<string, RuleEntry>();
  private readonly custom = new Map<string, RuleEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(builtin: readonly CompiledRule[] = []) {
    for (const compiled of builtin) this.builtin.set(compiled.rule.id, { compiled, source: 'builtin' });
  }

  /** The rules in force, built-in ones first (those not overridden), then the others by id. */
  list(): RuleEntry[] {
    const out = [...this.builtin.values()].filter((e) => !this.custom.has(e.compiled.rule.id));
    out.push(...[...this.custom.values()].sort((a, b) => a.compiled.rule.id.localeCompare(b.compiled.rule.id)));
    return out;
  }

  rules(): CompiledRule[] {
    return this.list().map((e) => e.compiled);
  }

  get(id: string): RuleEntry | undefined {
    return this.custom.get(id) ?? this.builtin.get(id);
  }

  /** Adds or replaces a file or API rule. */
  add(compiled: CompiledRule, source: Exclude<RuleSource, 'builtin'> = 'api', file?: string): void {
    this.custom.set(compiled.rule.id, { compiled, source, ...(file !== undefined ? { file } : {}) });
    this.changed();
  }

  /** Removes a file rule (a built-in rule it overrode is in force again); false when there is none. */
  remove(id: string): boolean {
    const removed = this.custom.delete(id);
    if (removed) this.changed();
    return removed;
  }

  /** Replaces every file and API rule at once (a reload of the rules directory). */
  replaceFiles(entries: ReadonlyArray<{ compiled: CompiledRule; file: string; source: Exclude<RuleSource, 'builtin'> }>): void {
    this.custom.clear();
    for (const e of entries) this.custom.set(e.compiled.rule.id, { compiled: e.compiled, source: e.source, file: e.file });
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
