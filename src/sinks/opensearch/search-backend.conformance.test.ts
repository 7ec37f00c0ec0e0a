import { queryCorpusSuite } from '../../../test/contracts/query-corpus.case.js';
import { openSearchPair } from '../../../test/support/opensearch-pair.js';

queryCorpusSuite('OpenSearch 2.19', () => openSearchPair());
