/**
 * @module Objects keyed by alert field names, which the attacker chooses: every key is data. A key
 * named like an `Object.prototype` member (`constructor`, `toString`, `__proto__`, …) reads as
 * absent unless the object holds it, and writes as an own property, never through a setter.
 */
import type { JsonObject } from './paths.js';

/** The object's own value for `key`; never an inherited member such as `Object.prototype.toString`. */
export function ownValue(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * Sets `key` as an own, enumerable data property. `object[key] = value` would run the
 * `__proto__` setter instead (JSON.parse, in contrast, makes `"__proto__"` an own key, so a
 * document read from JSON holds it and must keep it).
 */
export function setOwn(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

