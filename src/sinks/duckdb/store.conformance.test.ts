import { queryCorpusSuite } from '../../../test/contracts/query-corpus.case.js';
import { DuckDbStore } from './store.js';

const now = (): number => Date.UTC(2024, 2, 4);
// With the inverted index answering what it can (text-index.ts), and with every text predicate scanned: the same answers.
queryCorpusSuite('embedded DuckDB', async () => {
  const store = await DuckDbStore.open({ path: ':memory:', now });
  await store.textIndexCaughtUp();
  return store;
});
queryCorpusSuite('embedded DuckDB, text by scan', () => DuckDbStore.open({ path: ':memory:', now, textIndex: false }));
