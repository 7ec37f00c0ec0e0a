/**
 * @module A bounded least-recently-used store of values under string keys, for what is worked out
 * once and asked again (decoded postings, kept matches, a dashboard's edge rows). Pure: no I/O.
 */
/**
 * Values kept between answers under string keys, the least recently used going first past
 * `maxWeight` in all (each value weighs `weightOf`) or `maxEntries`; a value that alone weighs more
 * is not kept. Keys are the caller's: a Map keeps any string safely.
 */
export class BoundedLru<V> {
  private readonly kept = new Map<string, V>();
  private weight = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly maxEntries: number,
    private readonly weightOf: (value: V) => number,
  ) {}

  /** The weight held. */
  get size(): number {
    return this.weight;
  }

  /** How many values are held. */
  get count(): number {
    return this.kept.size;
  }

  get(key: string): V | undefined {
    const kept = this.kept.get(key);
    if (kept !== undefined) {
      this.kept.delete(key);
      this.kept.set(key, kept);
    }
    return kept;
  }

  /** Keeps the value under `key` (in place of what was there), unless it alone passes the budget. */
  set(key: string, value: V): void {
    const weight = this.weightOf(value);
    if (weight > this.maxWeight) return;
    const old = this.kept.get(key);
    if (old !== undefined) this.weight -= this.weightOf(old);
    this.kept.delete(key);
    this.kept.set(key, value);
    this.weight += weight;
    for (const [k, least] of this.kept) {
      if (this.kept.size <= this.maxEntries && this.weight <= this.maxWeight) break;
      this.kept.delete(k);
      this.weight -= this.weightOf(least);
    }
  }

  clear(): void {
    this.kept.clear();
    this.weight = 0;
  }
}
