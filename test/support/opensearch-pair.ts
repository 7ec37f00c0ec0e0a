/**
 * The OpenSearch sink and search backend as one object (the shape the conformance suite takes), on
 * the shared node under an index prefix of its own, removed on close. Writes are refreshed
 * (`refresh=wait_for`) before they resolve, so that the next search sees them.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { DocumentSink, SearchBackend } from '../../src/query/search-api.js';
import { openSearchClient } from '../../src/sinks/opensearch/connection.js';
import { indexTemplateName } from '../../src/sinks/opensearch/index-template.js';
import { OpenSearchBackend, searchableIndex } from '../../src/sinks/opensearch/search-backend.js';
import { OpenSearchSink } from '../../src/sinks/opensearch/sink.js';
import { sharedOpenSearch, testIndexPrefix } from './opensearch.js';

export type OpenSearchPair = SearchBackend & DocumentSink & { close(): Promise<void>; readonly prefix: string; readonly client: Client };

/** A sink and a backend with a prefix of their own on the shared node; `close` deletes its indices and template. */
export async function openSearchPair(): Promise<OpenSearchPair> {
  const url = await sharedOpenSearch();
  const prefix = `${testIndexPrefix()}cwl-`;
  const client = openSearchClient({ url, indexPrefix: prefix });
  const sink = await OpenSearchSink.open({ url, indexPrefix: prefix, client, refresh: 'wait_for' });
  const backend = await OpenSearchBackend.open({ url, indexPrefix: prefix });
  return {
    prefix,
    client,
    ...searchableIndex(backend, sink),
    close: async () => {
      await sink.close();
      await backend.close();
      await client.indices.delete({ index: `${prefix}*`, ignore_unavailable: true } as never).catch(() => undefined);
      await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
      await client.close();
    },
  };
}
