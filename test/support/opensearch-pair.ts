/**
 * An OpenSearch backend and a writer of its indices as one object (the shape the conformance and
 * sink-contract suites take), on the shared node under an index prefix of its own, removed on close.
 * Each write is refreshed before it resolves, so that the next search sees it.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { IndexedDocument } from '../../src/core/document.js';
import { writeSummary, type DocumentOutcome, type DocumentSink, type SearchBackend, type WriteResult } from '../../src/query/search-api.js';
import { openSearchClient } from '../../src/sinks/opensearch/connection.js';
import { ensureIndexTemplate, indexTemplateName } from '../../src/sinks/opensearch/index-template.js';
import { OpenSearchBackend } from '../../src/sinks/opensearch/search-backend.js';
import { physicalIndexName } from '../../src/sinks/opensearch/search-request.js';
import { sharedOpenSearch, testIndexPrefix } from './opensearch.js';

export type OpenSearchPair = SearchBackend & DocumentSink & { close(): Promise<void>; readonly prefix: string; readonly client: Client };

/**
 * `_bulk` with `create` into the daily index under the prefix: 201 indexed, 409 duplicate, any other
 * item refused. (A stand-in for the sink, which has its own tests, so that the backend's are its own.)
 */
async function bulkCreate(client: Client, prefix: string, documents: readonly IndexedDocument[]): Promise<WriteResult> {
  if (documents.length === 0) return writeSummary([]);
  const lines: string[] = [];
  const outcomes: DocumentOutcome[] = new Array(documents.length);
  const sent: number[] = [];
  documents.forEach((d, i) => {
    const ts = Date.parse(String(d.document['@timestamp']));
    const index = physicalIndexName(prefix, d.index);
    if (!Number.isFinite(ts) || index === undefined) {
      outcomes[i] = { kind: 'rejected', reason: `@timestamp must be an ISO 8601 date, not ${JSON.stringify(d.document['@timestamp'])}` };
      return;
    }
    sent.push(i);
    lines.push(JSON.stringify({ create: { _index: index, _id: d.id } }), JSON.stringify(d.document));
  });
  if (sent.length > 0) {
    const answer = await client.bulk({ body: `${lines.join('\n')}\n`, refresh: 'wait_for' } as never);
    const items = (answer.body as unknown as { items: Array<{ create: { status: number; error?: { type: string; reason: string } } }> }).items;
    items.forEach((item, k) => {
      const status = item.create.status;
      outcomes[sent[k] as number] = status === 201 ? { kind: 'indexed' } : status === 409 ? { kind: 'duplicate' } : { kind: 'rejected', reason: `${item.create.error?.type}: ${item.create.error?.reason}` };
    });
  }
  return writeSummary(outcomes);
}

/** A backend with a prefix of its own on the shared node; `close` deletes its indices and template. */
export async function openSearchPair(): Promise<OpenSearchPair> {
  const url = await sharedOpenSearch();
  const prefix = `${testIndexPrefix()}cwl-`;
  const client = openSearchClient({ url, indexPrefix: prefix });
  await ensureIndexTemplate(client, prefix);
  const backend = await OpenSearchBackend.open({ url, indexPrefix: prefix });
  return {
    prefix,
    client,
    write: (documents) => bulkCreate(client, prefix, documents),
    search: (request) => backend.search(request),
    fields: () => backend.fields(),
    indices: () => backend.indices(),
    deleteIndex: (name) => backend.deleteIndex(name),
    deleteOlderThan: (days, nowMs) => backend.deleteOlderThan(days, nowMs),
    close: async () => {
      await backend.close();
      await client.indices.delete({ index: `${prefix}*`, ignore_unavailable: true } as never).catch(() => undefined);
      await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
      await client.close();
    },
  };
}
