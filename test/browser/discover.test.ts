/** The discover browser tests on the embedded backend (the cases are in discover.case.ts). */
import { discoverSuite } from './discover.case.js';

discoverSuite('embedded');
