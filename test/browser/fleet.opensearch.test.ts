/** The fleet view's browser tests with the server on the run's real OpenSearch node (`--backend opensearch`; the cases are in fleet.case.ts). */
import { fleetSuite } from './fleet.case.js';

fleetSuite('opensearch');
