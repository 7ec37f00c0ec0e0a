import { sinkContractSuite } from '../../../test/contracts/sink.case.js';
import { DuckDbStore } from './store.js';

sinkContractSuite('embedded DuckDB', () => DuckDbStore.open({ path: ':memory:', threads: 1 }));
