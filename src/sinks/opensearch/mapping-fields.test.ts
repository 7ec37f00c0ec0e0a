import { describe, expect, it } from 'vitest';
import { fieldsFromMappings } from './mapping-fields.js';

describe('the field catalog from the daily mappings', () => {
  it('flattens objects to dotted names and lists multi-fields as fields of their own', () => {
    const fields = fieldsFromMappings({
      'cwl-2024.03.02': {
        mappings: {
          properties: {
            rule: { properties: { level: { type: 'integer' }, comment: { type: 'text', fields: { keyword: { type: 'keyword' } } } } },
            srcip: { type: 'ip' },
            geo: { type: 'geo_point' },
            '@timestamp': { type: 'date' },
          },
        },
      },
    });
    expect(fields).toEqual([
      { name: '@timestamp', type: 'date', aggregatable: true },
      { name: 'rule.comment', type: 'text', aggregatable: false },
      { name: 'rule.comment.keyword', type: 'keyword', aggregatable: true },
      { name: 'rule.level', type: 'integer', aggregatable: true },
      { name: 'srcip', type: 'ip', aggregatable: true },
    ]);
  });

  it('resolves types that differ across indices: numbers widen, any other mix is a non-aggregatable keyword (Kibana: conflict)', () => {
    const day = (properties: Record<string, unknown>) => ({ mappings: { properties } }) as never;
    const fields = fieldsFromMappings({
      'cwl-2024.03.01': day({ count: { type: 'long' }, port: { type: 'long' }, user: { type: 'keyword' }, addr: { type: 'ip' } }),
      'cwl-2024.03.02': day({ count: { type: 'double' }, port: { type: 'keyword' }, user: { type: 'keyword' }, addr: { type: 'keyword' } }),
      'cwl-2024.03.03': day({ count: { type: 'integer' } }),
    });
    expect(fields).toEqual([
      { name: 'addr', type: 'keyword', aggregatable: false },
      { name: 'count', type: 'double', aggregatable: true },
      { name: 'port', type: 'keyword', aggregatable: false },
      { name: 'user', type: 'keyword', aggregatable: true },
    ]);
  });

  it('takes any key a mapping can hold, __proto__ and constructor included', () => {
    const fields = fieldsFromMappings(JSON.parse('{"cwl-2024.03.02":{"mappings":{"properties":{"__proto__":{"type":"keyword"},"constructor":{"properties":{"x":{"type":"constructor"}}}}}}}'));
    expect(fields).toEqual([{ name: '__proto__', type: 'keyword', aggregatable: true }]);
  });

  it('stops at max_fields as the embedded catalog does, keeping the schema\'s fields first', () => {
    const properties: Record<string, unknown> = { srcip: { type: 'ip' }, zz_last: { type: 'keyword' } };
    for (let i = 0; i < 10; i++) properties[`a${i}`] = { type: 'keyword' };
    const fields = fieldsFromMappings({ 'cwl-2024.03.02': { mappings: { properties } } } as never, 5);
    expect(fields.map((f) => f.name)).toEqual(['a0', 'a1', 'a2', 'a3', 'srcip']);
  });
});
