/** @module Dotted field paths over nested documents (`rule.level` → doc.rule.level). Any key is data (see own-keys). */
import { ownValue, setOwn } from './own-keys.js';

export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `a.b.c`; a key that itself contains dots (`{"a.b": 1}`) is found too. */
export function getPath(doc: unknown, path: string): unknown {
  if (!isPlainObject(doc)) return undefined;
  if (Object.hasOwn(doc, path)) return doc[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  for (let i = dot; i >= 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (Object.hasOwn(doc, head)) {
      const found = getPath(doc[head], path.slice(i + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Writes `a.b.c`, creating objects on the way (replacing a non-object in the way). */
export function setPath(doc: JsonObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = doc;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] as string;
    const next = ownValue(node, key);
    if (isPlainObject(next)) node = next;
    else {
      const created: JsonObject = {};
      setOwn(node, key, created);
      node = created;
    }
  }
  setOwn(node, keys[keys.length - 1] as string, value);
}

/** Every leaf path of a document with its value; arrays are leaves. */
export function flattenPaths(doc: JsonObject, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  for (const key of Object.keys(doc)) {
    const value = doc[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) flattenPaths(value, path, out);
    else out.push([path, value]);
  }
  return out;
}
