/** The dashboard browser tests with the server on the run's real OpenSearch node (`--backend opensearch`; the cases are in dashboard.case.ts). */
import { dashboardSuite } from './dashboard.case.js';

dashboardSuite('opensearch');
