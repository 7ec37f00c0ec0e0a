/** The fleet view's browser tests on the embedded index, with the screenshots (the cases are in fleet.case.ts). */
import { fleetSuite } from './fleet.case.js';

fleetSuite('embedded');
