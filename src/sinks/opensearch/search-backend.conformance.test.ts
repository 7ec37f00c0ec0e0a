import { queryCorpusSuite } from '../../../test/contracts/query-corpus.case.js';
import { openSearchPair } from '../../../test/support/opensearch-pair.js';

queryCorpusSuite('OpenSearch 2.19', () => openSearchPair());

// The same corpus with only the parsed AST (no `source`): the AST → DSL compiler must give
// OpenSearch's own answers to the user's text.
queryCorpusSuite('OpenSearch 2.19, the AST compiled to DSL', async () => {
  const pair = await openSearchPair();
  return Object.assign(Object.create(pair) as typeof pair, { search: (request: Parameters<typeof pair.search>[0]) => pair.search({ ...request, source: undefined }) });
});
