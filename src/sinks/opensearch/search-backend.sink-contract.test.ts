import { sinkContractSuite } from '../../../test/contracts/sink.case.js';
import { openSearchPair } from '../../../test/support/opensearch-pair.js';

// The backend's side of the contract (totals, hits by index and id, indices, deleteIndex), with
// documents written by plain `_bulk` create (test/support/opensearch-pair.ts).
sinkContractSuite('OpenSearch 2.19 backend, _bulk writes', () => openSearchPair());
