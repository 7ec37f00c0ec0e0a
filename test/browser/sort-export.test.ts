import { sortExportSuite } from './sort-export.case.js';

sortExportSuite('embedded');
