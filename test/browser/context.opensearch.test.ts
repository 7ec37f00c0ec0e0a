/** The document context and permanent-link browser tests with the server on the run's real OpenSearch node (`--backend opensearch`; the cases are in context.case.ts). */
import { contextSuite } from './context.case.js';

contextSuite('opensearch');
