/** The document context and permanent-link browser tests on the embedded index (the cases are in context.case.ts). */
import { contextSuite } from './context.case.js';

contextSuite('embedded');
