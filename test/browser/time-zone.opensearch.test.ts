/** The time-zone browser tests with the server on the run's real OpenSearch node (the cases are in time-zone.case.ts). */
import { timeZoneSuite } from './time-zone.case.js';

timeZoneSuite('opensearch');
