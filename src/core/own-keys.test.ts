import { afterEach, describe, expect, it } from 'vitest';
import { applyMergePatch, expandDottedKeys, mergePatchBetween } from '../sinks/duckdb/schema.js';
import { ownValue, setOwn } from './own-keys.js';
import { getPath, setPath, type JsonObject } from './paths.js';

const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

afterEach(() => {
  // Nothing here may reach the shared prototype.
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(({} as JsonObject)['polluted']).toBeUndefined();
});

describe('own keys', () => {
  it('reads only own values and writes own data properties, __proto__ included', () => {
    for (const name of NAMES) {
      const o: JsonObject = {};
      expect(ownValue(o, name), name).toBeUndefined();
      setOwn(o, name, { polluted: name });
      expect(Object.hasOwn(o, name), name).toBe(true);
      expect(Object.getPrototypeOf(o), name).toBe(Object.prototype);
      expect(ownValue(o, name), name).toEqual({ polluted: name });
      // Spread copies own keys as data properties, `__proto__` too (Object.assign would run its setter).
      expect(JSON.parse(JSON.stringify({ ...o }))).toEqual(JSON.parse(`{${JSON.stringify(name)}: {"polluted": ${JSON.stringify(name)}}}`));
    }
  });

  it('setPath and getPath go through own keys at every step', () => {
    const doc: JsonObject = {};
    setPath(doc, '__proto__.polluted', 1);
    setPath(doc, 'constructor.prototype.polluted', 2);
    setPath(doc, 'rule.toString', 3);
    expect(JSON.stringify(doc)).toBe('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"rule":{"toString":3}}');
    expect(getPath(doc, '__proto__.polluted')).toBe(1);
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({}, 'toString.name')).toBeUndefined();
  });
});

describe('the store keeps prototype-named keys as data', () => {
  it('expands dotted keys without reaching a prototype', () => {
    const parsed = JSON.parse('{"__proto__.polluted": "x", "a.constructor.prototype.polluted": "y", "toString": {"b": 1}, "toString.c": 2}') as JsonObject;
    const out = expandDottedKeys(parsed);
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__": {"polluted": "x"}, "a": {"constructor": {"prototype": {"polluted": "y"}}}, "toString": {"b": 1, "c": 2}}'));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('computes and applies merge patches over own keys', () => {
    for (const name of NAMES) {
      const base = JSON.parse(`{${JSON.stringify(name)}: {"polluted": 1, "keep": true}, "x": 1}`) as JsonObject;
      const target = JSON.parse(`{${JSON.stringify(name)}: {"keep": true, "added": 2}, "y": {${JSON.stringify(name)}: 3}}`) as JsonObject;
      const patch = mergePatchBetween(base, target);
      expect(JSON.parse(JSON.stringify(patch)), name).toEqual(JSON.parse(`{${JSON.stringify(name)}: {"polluted": null, "added": 2}, "x": null, "y": {${JSON.stringify(name)}: 3}}`));
      // Applied to the base as read back from JSON (the store's path), the patch gives the target.
      const applied = applyMergePatch(JSON.parse(JSON.stringify(base)), JSON.parse(JSON.stringify(patch)));
      expect(applied, name).toEqual(target);
      expect(Object.getPrototypeOf(applied), name).toBe(Object.prototype);
      // A key the base lacks but inherits (`toString`) is still "added", and one it has but the target lacks is deleted.
      expect(mergePatchBetween({}, JSON.parse(`{${JSON.stringify(name)}: 1}`) as JsonObject), name).toEqual(JSON.parse(`{${JSON.stringify(name)}: 1}`));
      expect(JSON.stringify(mergePatchBetween(JSON.parse(`{${JSON.stringify(name)}: 1}`) as JsonObject, {})), name).toBe(`{${JSON.stringify(name)}:null}`);
    }
  });
});
