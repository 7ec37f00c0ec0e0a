import { describe, expect, it } from 'vitest';
import { bulkEntry, chunkByBytes, errorReason, itemVerdict, MAX_REPAIRS, moveAside, objectConflictPath, repairedEntry } from './bulk.js';
import { ismPolicy, ismPolicyId } from './retention.js';

describe('bulk bodies', () => {
  it('writes one create line and one source line per document, each ending in a newline', () => {
    const source = JSON.parse('{"msg":"a\\nb","__proto__":"kept"}');
    const entry = bulkEntry(0, 'cwl-2024.01.01', 'abc', source);
    expect(entry.lines).toBe('{"create":{"_index":"cwl-2024.01.01","_id":"abc"}}\n{"msg":"a\\nb","__proto__":"kept"}\n');
    expect(entry.lines.split('\n')).toHaveLength(3);
    expect(entry.bytes).toBe(Buffer.byteLength(entry.lines));
  });

  it('cuts bodies under the byte limit in order, a larger entry alone', () => {
    const sized = [40, 40, 40, 150, 10, 10].map((bytes, position) => ({ position, lines: '', bytes, repairs: 0 }));
    expect(chunkByBytes(sized, 100).map((c) => c.map((e) => e.position))).toEqual([[0, 1], [2], [3], [4, 5]]);
    expect(chunkByBytes([], 100)).toEqual([]);
  });
});

describe('bulk items', () => {
  const conflict = { type: 'mapper_parsing_exception', reason: 'object mapping for [data.win] tried to parse field [data.win] as object, but found a concrete value' };

  it('reads each status as an outcome or a retry', () => {
    expect(itemVerdict({ status: 201 }, 0)).toEqual({ kind: 'final', outcome: { kind: 'indexed' } });
    expect(itemVerdict({ status: 409, error: { type: 'version_conflict_engine_exception' } }, 0)).toEqual({ kind: 'final', outcome: { kind: 'duplicate' } });
    expect(itemVerdict({ status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse', caused_by: { type: 'illegal_argument_exception', reason: 'field name cannot be an empty string' } } }, 0)).toEqual({
      kind: 'final',
      outcome: { kind: 'rejected', reason: 'mapper_parsing_exception: failed to parse (caused by illegal_argument_exception: field name cannot be an empty string)' },
    });
    for (const status of [429, 500, 503, 403, 404]) expect(itemVerdict({ status }, 0).kind).toBe('retry');
    expect(itemVerdict(undefined, 0).kind).toBe('retry');
  });

  it('repairs a value where an object is mapped a bounded number of times, then rejects', () => {
    expect(objectConflictPath(conflict)).toBe('data.win');
    expect(itemVerdict({ status: 400, error: conflict }, 0)).toEqual({ kind: 'repair', path: 'data.win' });
    expect(itemVerdict({ status: 400, error: conflict }, MAX_REPAIRS).kind).toBe('final');
    expect(objectConflictPath({ type: 'mapper_parsing_exception', reason: 'failed to parse' })).toBeUndefined();
  });

  it('keeps reasons to a bounded length', () => {
    expect(errorReason({ type: 't', reason: 'r'.repeat(5000) }).length).toBeLessThanOrEqual(2001);
    expect(errorReason(undefined)).toBe('no reason given');
  });
});

describe('moveAside', () => {
  it('moves the value at a path to hidsmon.invalid as a string and flags the document', () => {
    const doc = { data: { win: ['a', 'b'], other: 1 }, hidsmon: { flags: ['ip_port_split'] } };
    expect(moveAside(doc, 'data.win')).toEqual({ data: { other: 1 }, hidsmon: { flags: ['ip_port_split', 'invalid_value'], invalid: { data: { win: '["a","b"]' } } } });
  });

  it('finds a key holding dots, as OpenSearch reads it, and any key name as data', () => {
    const doc = JSON.parse('{"a.b":{"c":"x"},"__proto__":{"polluted":"v"},"hidsmon":{}}');
    expect(moveAside(doc, 'a.b.c')).toMatchObject({ hidsmon: { invalid: { a: { b: { c: 'x' } } } } });
    const proto = JSON.parse('{"__proto__":{"polluted":"v"},"hidsmon":{}}');
    moveAside(proto, '__proto__.polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(proto.hidsmon.invalid, '__proto__')).toBe(true);
  });

  it('leaves a document without such a value alone', () => {
    expect(moveAside({ data: { win: { deeper: 1 } } }, 'data.win')).toBeUndefined();
    expect(moveAside({}, 'data.win')).toBeUndefined();
  });

  it('repairs the serialized entry, never the caller’s document', () => {
    const document = { data: 'plain', hidsmon: {} };
    const entry = bulkEntry(3, 'cwl-2024.01.01', 'id1', document);
    const fixed = repairedEntry(entry, 'data');
    expect(fixed).toMatchObject({ position: 3, repairs: 1 });
    expect(JSON.parse(fixed!.lines.split('\n')[1]!)).toEqual({ hidsmon: { invalid: { data: 'plain' }, flags: ['invalid_value'] } });
    expect(document.data).toBe('plain');
  });
});

describe('ismPolicy (structure only: the test node has no ISM plugin)', () => {
  it('deletes the prefix’s indices N days after creation, attached by ism_template', () => {
    const { policy } = ismPolicy('cwl-', 30) as { policy: any };
    expect(ismPolicyId('cwl-')).toBe('cwl-retention');
    expect(policy.default_state).toBe('live');
    const states = new Map((policy.states as any[]).map((s) => [s.name, s]));
    expect(states.get('live').transitions).toEqual([{ state_name: 'delete', conditions: { min_index_age: '30d' } }]);
    expect(states.get('delete').actions).toEqual([{ delete: {} }]);
    // Every transition names a state that exists.
    for (const s of states.values()) for (const t of s.transitions) expect(states.has(t.state_name)).toBe(true);
    expect(policy.ism_template).toEqual([{ index_patterns: ['cwl-*'], priority: 100 }]);
    expect(() => ismPolicy('cwl-', 0)).toThrow(RangeError);
  });
});
