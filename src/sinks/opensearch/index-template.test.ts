import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../../test/support/opensearch.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { DEFAULT_SEARCH_FIELDS, DYNAMIC_KEYWORD_IGNORE_ABOVE } from '../../query/fields.js';
import type { WriteResult } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { openSearchClient } from './connection.js';
import { ensureIndexTemplate, indexTemplate, indexTemplateName, SCHEMA_KEYWORD_IGNORE_ABOVE } from './index-template.js';
import { OpenSearchSink } from './sink.js';

const DAY = Date.UTC(2024, 4, 1, 10);

describe('indexTemplate (structure)', () => {
  const template = indexTemplate('cwl-') as { index_patterns: string[]; template: { settings: Record<string, unknown>; mappings: Record<string, any> } };
  const properties = template.template.mappings['properties'];

  it('is generated from the shared field model', () => {
    expect(template.index_patterns).toEqual(['cwl-*']);
    expect(properties['full_log']).toEqual({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 2048 } } });
    expect(properties['rule'].properties.comment).toEqual({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 512 } } });
    expect(properties['rule'].properties.level).toEqual({ type: 'integer' });
    expect(properties['srcip']).toEqual({ type: 'ip', ignore_malformed: true });
    expect(properties['hidsmon'].properties.flags).toEqual({ type: 'keyword', ignore_above: SCHEMA_KEYWORD_IGNORE_ABOVE });
    expect(properties['@timestamp']).toEqual({ type: 'date', format: 'strict_date_optional_time||epoch_millis' });
  });

  it('keeps what would block a batch out of the index, not out of _source', () => {
    const { settings, mappings } = template.template;
    expect(settings['index.mapping.ignore_malformed']).toBe(true);
    expect(settings['index.query.default_field']).toEqual([...DEFAULT_SEARCH_FIELDS]);
    expect(settings['index.number_of_shards']).toBe(1);
    expect(mappings['date_detection']).toBe(false);
    expect(mappings['dynamic_templates'][0]).toEqual({ unknown_strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: DYNAMIC_KEYWORD_IGNORE_ABOVE } } });
  });
});

describe('the index template on a real OpenSearch 2.19 node', () => {
  const prefix = testIndexPrefix();
  let client: Client;
  let sink: OpenSearchSink;

  beforeAll(async () => {
    const url = await sharedOpenSearch();
    client = openSearchClient({ url });
    sink = await OpenSearchSink.open({ url, indexPrefix: prefix, refresh: true });
  });
  afterAll(async () => {
    await client?.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await client?.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
    await sink?.close();
    await client?.close();
  });

  let seq = 0;
  function doc(alert: Record<string, unknown> | string) {
    seq++;
    const message = typeof alert === 'string' ? alert : JSON.stringify(alert);
    return documentFromLogEvent({ eventId: cloudWatchEventId(DAY, seq), timestampMs: DAY, message, owner: '1', logGroup: 'g', logStream: 's' }, { indexPrefix: prefix });
  }
  function kinds(result: WriteResult): string[] {
    if (result.kind !== 'ok') throw result.error;
    return result.outcomes.map((o) => (o.kind === 'rejected' ? `rejected: ${o.reason}` : o.kind));
  }
  async function source(index: string, id: string): Promise<Record<string, any>> {
    return (await client.get({ index, id })).body._source as Record<string, any>;
  }

  it('is installed idempotently, with 0 replicas on a one-node cluster', async () => {
    await ensureIndexTemplate(client, prefix);
    await ensureIndexTemplate(client, prefix);
    const got = (await client.indices.getIndexTemplate({ name: indexTemplateName(prefix) })).body as any;
    expect(got.index_templates).toHaveLength(1);
    expect(got.index_templates[0].index_template.template.settings.index.number_of_replicas).toBe('0');
  });

  it('installs beside a template of a longer prefix that overlaps it (the more specific one wins)', async () => {
    const inner = `${prefix}prod-`;
    try {
      await ensureIndexTemplate(client, prefix);
      await ensureIndexTemplate(client, inner);
      const simulated = (await client.transport.request({ method: 'POST', path: `/_index_template/_simulate_index/${inner}2024.01.01` })).body as any;
      expect(simulated.overlapping.map((o: any) => o.name)).toEqual([indexTemplateName(prefix)]);
    } finally {
      await client.indices.deleteIndexTemplate({ name: indexTemplateName(inner) }).catch(() => undefined);
    }
  });

  it('indexes malformed ips, huge integers, strings in numeric fields and over-long keywords, keeping the values in _source', async () => {
    const long = 'x'.repeat(40_000); // over Lucene's 32,766-byte term limit
    const docs = [
      doc({ rule: { level: 5, sidid: 1, comment: 'c' }, srcip: '10.0.0.1', hostname: 'h' }), // first: fixes the mapping of the day
      doc({ rule: { level: 5, comment: 'c' }, srcip: 'not-an-ip.example' }),
      doc({ rule: { level: 5, comment: 'c' }, small_counter: 7 }), // maps small_counter as long
      // Written as the agent read it: an integer no long (nor a JS number) holds.
      doc('{"rule":{"level":5,"comment":"c"},"small_counter":123456789012345678901234567890}'),
      doc({ rule: { level: 5, comment: 'c' }, small_counter: 'seven' }),
      doc({ rule: { level: 5, comment: 'c' }, location: long, full_log: long, custom: long }),
    ];
    expect(kinds(await sink.write(docs))).toEqual(['indexed', 'indexed', 'indexed', 'indexed', 'indexed', 'indexed']);
    const [, badIp, , huge, stringy, longOne] = docs as Array<(typeof docs)[0]> as [unknown, (typeof docs)[0], unknown, (typeof docs)[0], (typeof docs)[0], (typeof docs)[0]];
    // Normalization moves the bad ip aside (hidsmon.invalid); the raw message keeps it too.
    const ipSource = await source(badIp.index, badIp.id);
    expect(JSON.stringify(ipSource)).toContain('not-an-ip.example');
    expect((await source(huge.index, huge.id))['@message']).toContain('123456789012345678901234567890');
    expect((await source(stringy.index, stringy.id))['small_counter']).toBe('seven');
    const kept = await source(longOne.index, longOne.id);
    expect([kept['location'], kept['full_log'], kept['custom']].map((v: string) => v.length)).toEqual([40_000, 40_000, 40_000]);
    // Not indexed as terms, still found by the analyzed text.
    const byTerm = await client.count({ index: `${prefix}*`, body: { query: { term: { location: long.slice(0, 100) } } } });
    expect(byTerm.body.count).toBe(0);
  });

  it('indexes an out-of-range integer in an integer field and a string srcip sent past normalization', async () => {
    const index = `${prefix}2024.05.02`;
    const body = [
      { create: { _index: index, _id: 'a' } }, { '@timestamp': '2024-05-02T00:00:00Z', rule: { level: 3_000_000_000 }, srcip: 'bogus' },
      { create: { _index: index, _id: 'b' } }, { '@timestamp': '2024-05-02T00:00:00Z', rule: { level: 'high' }, TimeStamp: 'yesterday' },
    ];
    const result = await client.bulk({ body, refresh: true });
    expect(result.body.items.map((i: any) => i.create.status)).toEqual([201, 201]);
    expect((await source(index, 'a'))['rule'].level).toBe(3_000_000_000);
    // The values not indexed are listed in `_ignored`, so that they can be found.
    const ignoring = async (field: string) => ((await client.search({ index, body: { query: { term: { _ignored: field } } } })).body.hits.hits as any[]).map((h) => h._id).sort();
    expect(await ignoring('rule.level')).toEqual(['a', 'b']);
    expect(await ignoring('srcip')).toEqual(['a']);
    expect(await ignoring('TimeStamp')).toEqual(['b']);
  });

  it('indexes `decoder` as a string in one alert and as an object in another, either order', async () => {
    const asObject = doc({ rule: { level: 3, comment: 'c' }, decoder: { name: 'sshd', parent: 'sshd' } });
    const asString = doc({ rule: { level: 3, comment: 'c' }, decoder: 'sshd' });
    expect(kinds(await sink.write([asObject, asString]))).toEqual(['indexed', 'indexed']);
    expect(kinds(await sink.write([doc({ rule: { level: 3, comment: 'c' }, decoder: { name: 'pam' } })]))).toEqual(['indexed']);
    const found = await client.count({ index: `${prefix}*`, body: { query: { term: { decoder: 'sshd' } } } });
    expect(found.body.count).toBe(2);
    expect((await source(asObject.index, asObject.id))['decoder_desc']).toEqual({ name: 'sshd', parent: 'sshd' });
  });

  it('indexes an unknown field that is an object in one alert and a string in another, either order', async () => {
    const objectFirst = [doc({ rule: { level: 3, comment: 'c' }, extra: { user: 'root' } }), doc({ rule: { level: 3, comment: 'c' }, extra: 'root' })];
    const stringFirst = [doc({ rule: { level: 3, comment: 'c' }, other: 'root' }), doc({ rule: { level: 3, comment: 'c' }, other: { user: 'root' } })];
    expect(kinds(await sink.write(objectFirst))).toEqual(['indexed', 'indexed']);
    expect(kinds(await sink.write(stringFirst))).toEqual(['indexed', 'indexed']);
    // Where the index maps an object, the string is moved aside (as normalization does) and flagged.
    const moved = await source(objectFirst[1]!.index, objectFirst[1]!.id);
    expect(moved['extra']).toBeUndefined();
    expect(moved['hidsmon']).toMatchObject({ invalid: { extra: 'root' }, flags: ['invalid_value'] });
    // Where it maps a keyword, the object is kept in _source as it came (ignore_malformed).
    expect((await source(stringFirst[1]!.index, stringFirst[1]!.id))['other']).toEqual({ user: 'root' });
    // The caller's document is not changed by the repair.
    expect(objectFirst[1]!.document['extra']).toBe('root');
  });
});
