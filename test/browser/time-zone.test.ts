/** The time-zone browser tests on the embedded backend (the cases are in time-zone.case.ts). */
import { timeZoneSuite } from './time-zone.case.js';

timeZoneSuite('embedded');
