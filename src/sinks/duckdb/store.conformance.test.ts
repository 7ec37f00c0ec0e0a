import { queryCorpusSuite } from '../../../test/contracts/query-corpus.case.js';
import { DuckDbStore } from './store.js';

queryCorpusSuite('embedded DuckDB', () => DuckDbStore.open({ path: ':memory:', now: () => Date.UTC(2024, 2, 4) }));
