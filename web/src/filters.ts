/**
 * @module Filter pills: a field and a value, to filter in or out, that can be switched off. They
 * go to the API as query DSL in `filters`, the way Kibana sends its phrase filters.
 */

export type FilterValue = string | number | boolean;

export interface Filter {
  field: string;
  value: FilterValue;
  /** Filter out (NOT) instead of in. */
  negate: boolean;
  /** Kept as a pill, but not sent. */
  disabled: boolean;
}

/**
 * Text fields whose exact value lives in a `.keyword` sub-field, and that sub-field's ignore_above
 * (src/query/fields.ts). A pill made from a dashboard bucket must match exactly the documents the
 * bucket counted: a phrase on the analyzed text would also match longer texts that contain it
 * ("PAM: Login session opened." for "Login session opened.").
 */
const KEYWORD_SUBFIELDS: ReadonlyMap<string, number> = new Map([
  ['rule.comment', 512],
  ['full_log', 2048],
]);

/** The DSL of one pill. */
export function filterToDsl(filter: Filter): Record<string, unknown> {
  const limit = KEYWORD_SUBFIELDS.get(filter.field);
  const field = limit !== undefined && typeof filter.value === 'string' && filter.value.length <= limit ? `${filter.field}.keyword` : filter.field;
  // A computed key is an own property even when it is `__proto__` (a literal `__proto__:` would set the prototype).
  const phrase = { match_phrase: { [field]: filter.value } };
  return filter.negate ? { bool: { must_not: [phrase] } } : phrase;
}

/** The DSL of the pills that are on. */
export function activeFiltersDsl(filters: readonly Filter[]): Record<string, unknown>[] {
  return filters.filter((f) => !f.disabled).map(filterToDsl);
}

export function sameTarget(a: Pick<Filter, 'field' | 'value'>, b: Pick<Filter, 'field' | 'value'>): boolean {
  return a.field === b.field && a.value === b.value;
}

/**
 * Adds a pill as Kibana does: a pill on the same field and value is replaced (so + then − flips
 * it), and comes back on if it was off.
 */
export function addFilter(filters: readonly Filter[], field: string, value: FilterValue, negate: boolean): Filter[] {
  const next: Filter = { field, value, negate, disabled: false };
  const at = filters.findIndex((f) => sameTarget(f, next));
  if (at < 0) return [...filters, next];
  return filters.map((f, i) => (i === at ? next : f));
}

/** The pill as its URL parameter: compact JSON, default flags left out. */
export function encodeFilter(filter: Filter): string {
  return JSON.stringify({ field: filter.field, value: filter.value, ...(filter.negate ? { negate: true } : {}), ...(filter.disabled ? { disabled: true } : {}) });
}

/** A pill from its URL parameter; undefined for anything malformed (a hand-edited link). */
export function decodeFilter(text: string): Filter | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { field, value, negate, disabled } = parsed as Record<string, unknown>;
  if (typeof field !== 'string' || field === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  return { field, value, negate: negate === true, disabled: disabled === true };
}

/** The pill's text: `srcip: 10.10.10.10`, `NOT srcip: 10.10.10.10`. */
export function filterLabel(filter: Filter): string {
  return `${filter.negate ? 'NOT ' : ''}${filter.field}: ${String(filter.value)}`;
}
