/** @module Which fields hits can be sorted by, and a sort as the API and URLs spell it (`field:asc`). */
import type { FieldInfo, QueryError, SortOrder, SortSpec } from './search-api.js';
import { KEYWORD_SUBFIELD } from './fields.js';

/** Why hits cannot be sorted by this field (a text field: its terms are not one value), or undefined. */
export function sortFieldProblem(sort: SortSpec, catalog: readonly FieldInfo[]): QueryError | undefined {
  const field = catalog.find((f) => f.name === sort.field);
  // A field no index knows sorts every document as missing (OpenSearch's unmapped_type): not an error.
  if (!field || field.type !== 'text') return undefined;
  const keyword = `${sort.field}.${KEYWORD_SUBFIELD}`;
  const hasKeyword = catalog.some((f) => f.name === keyword && f.type !== 'text');
  return {
    kind: 'request',
    field: sort.field,
    message: hasKeyword
      ? `${sort.field} is a text field and cannot be sorted on; sort on ${keyword} instead.`
      : `${sort.field} is a text field and cannot be sorted on; sort on a keyword, number, date or ip field.`,
  };
}

const ORDERS: readonly SortOrder[] = ['asc', 'desc'];
const MAX_SORT_FIELD = 512;

/**
 * A sort from the API: `{"field": "rule.level", "order": "asc"}` or the short form `"rule.level:asc"`
 * (as the UI's URL has it); the order defaults to desc.
 */
export function parseSort(value: unknown): SortSpec | string {
  // OpenSearch's list form with one entry (the saved searches keep it so).
  if (Array.isArray(value) && value.length === 1) value = value[0];
  let field: unknown;
  let order: unknown = 'desc';
  if (typeof value === 'string') {
    const colon = value.lastIndexOf(':');
    const tail = colon > 0 ? value.slice(colon + 1) : '';
    if (ORDERS.includes(tail as SortOrder)) {
      field = value.slice(0, colon);
      order = tail;
    } else field = value;
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    field = (value as Record<string, unknown>)['field'];
    order = (value as Record<string, unknown>)['order'] ?? 'desc';
  }
  if (typeof field !== 'string' || field === '' || field.length > MAX_SORT_FIELD) return `sort is {"field": "rule.level", "order": "asc"|"desc"} or "rule.level:asc", with a field name of at most ${MAX_SORT_FIELD} characters.`;
  if (!ORDERS.includes(order as SortOrder)) return 'sort.order is "asc" or "desc".';
  return { field, order: order as SortOrder };
}
