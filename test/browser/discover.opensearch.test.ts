/** The discover browser tests with the server on the run's real OpenSearch node (`--backend opensearch`; the cases are in discover.case.ts). */
import { discoverSuite } from './discover.case.js';

discoverSuite('opensearch');
