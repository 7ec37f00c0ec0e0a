/** The dashboard browser tests on the embedded backend (the cases are in dashboard.case.ts). */
import { dashboardSuite } from './dashboard.case.js';

dashboardSuite('embedded');
