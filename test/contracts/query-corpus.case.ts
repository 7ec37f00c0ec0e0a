/**
 * The query conformance corpus as a reusable suite: any backend that can be written to and searched
 * runs it (the embedded store now; OpenSearch with the same file later).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../src/core/document.js';
import { parseQueryInput } from '../../src/query/parse-query.js';
import type { DocumentSink, SearchBackend } from '../../src/query/search-api.js';
import { documentFromLogEvent } from '../../src/transforms/to-document.js';

interface Case {
  query: string | object;
  expect: string[];
  note?: string;
}

interface ErrorCase {
  query: string;
  error: 'syntax' | 'query';
  note: string;
}

const dir = new URL('./', import.meta.url);
const corpus = JSON.parse(readFileSync(new URL('query-corpus.json', dir), 'utf8')) as { cases: Case[]; errors: ErrorCase[] };

/** The corpus documents, made by the forwarder's own transform from their messages. */
export function corpusDocuments(): IndexedDocument[] {
  return readFileSync(new URL('query-corpus.documents.ndjson', dir), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { key: string; logStream: string; timestamp: string; message: string })
    .map((d) => documentFromLogEvent({ eventId: d.key, timestampMs: Date.parse(d.timestamp), message: d.message, owner: '123456789012', logGroup: 'hids-alerts', logStream: d.logStream }));
}

const label = (query: string | object): string => (typeof query === 'string' ? query : JSON.stringify(query));

export function queryCorpusSuite(name: string, open: () => Promise<SearchBackend & DocumentSink>): void {
  describe(`query conformance corpus: ${name}`, () => {
    let backend: (SearchBackend & DocumentSink) | undefined;
    const ready = (async () => {
      backend = await open();
      const summary = await backend.write(corpusDocuments());
      expect(summary).toMatchObject({ kind: 'ok', written: 23 });
      return backend;
    })();

    it.each(corpus.cases.map((c) => [label(c.query), c] as const))('%s', async (_label, c) => {
      const store = await ready;
      const query = parseQueryInput(c.query);
      if (!query.ok) throw new Error(`${label(c.query)}: ${query.error.message}`);
      const result = await store.search({ query: query.value, source: c.query as string | Record<string, unknown>, size: 100 });
      if (!result.ok) throw new Error(`${label(c.query)}: ${result.error.message}`);
      const ids = result.value.hits.map((h) => h.document['@id']).sort();
      expect(ids, c.note).toEqual(c.expect);
      expect(result.value.total).toBe(c.expect.length);
    });

    it.each(corpus.errors.map((c) => [c.query, c] as const))('%s fails cleanly', async (_label, c) => {
      const store = await ready;
      const query = parseQueryInput(c.query);
      if (!query.ok) {
        expect(query.error.kind, c.note).toBe(c.error);
        return;
      }
      const result = await store.search({ query: query.value, source: c.query as string | Record<string, unknown>, size: 100 });
      expect(result.ok, c.note).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe(c.error);
    });

    it('closes', async () => {
      const store = await ready;
      await (store as unknown as { close?: () => Promise<void> }).close?.();
    });
  });
}
