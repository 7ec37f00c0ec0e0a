/**
 * @module Reading alert documents for display: values by dotted path, every field flattened, and
 * values as plain text. Alert text is attacker-controlled; these functions only ever make strings,
 * which React renders as text. Pure.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value at a dotted path (`rule.level`), through nested objects; a key that itself holds dots
 * is found too. Arrays of objects give the array of their values.
 */
export function valueAt(doc: unknown, path: string): unknown {
  if (!isObject(doc)) return undefined;
  // Own keys only: a column named `toString` or `constructor` is a field the document may lack,
  // not the method every object inherits.
  if (Object.hasOwn(doc, path)) return doc[path];
  let dot = path.indexOf('.');
  while (dot > 0) {
    const head = path.slice(0, dot);
    const inner = Object.hasOwn(doc, head) ? doc[head] : undefined;
    if (isObject(inner)) {
      const found = valueAt(inner, path.slice(dot + 1));
      if (found !== undefined) return found;
    } else if (Array.isArray(inner)) {
      const values = inner.map((item) => valueAt(item, path.slice(dot + 1))).filter((v) => v !== undefined);
      if (values.length > 0) return values;
    }
    dot = path.indexOf('.', dot + 1);
  }
  return undefined;
}

/** Every leaf as [dotted path, value], sorted by path; arrays of scalars stay one field. */
export function flattenDocument(doc: unknown): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const walk = (value: unknown, prefix: string): void => {
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 && prefix !== '') out.push([prefix, value]);
      for (const key of keys) walk(value[key], prefix === '' ? key : `${prefix}.${key}`);
    } else if (prefix !== '') {
      out.push([prefix, value]);
    }
  };
  walk(doc, '');
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A value as text: arrays comma-joined, objects as JSON, nothing as an empty string. Always a string. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => (isObject(v) || Array.isArray(v) ? (JSON.stringify(v) ?? '') : valueText(v))).join(', ');
  // JSON.stringify gives undefined for what JSON cannot hold (a function, a symbol).
  return JSON.stringify(value) ?? '';
}

/** The values one may filter on: a scalar, or each scalar of an array. */
export function filterableValues(value: unknown): Array<string | number | boolean> {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  return [];
}
