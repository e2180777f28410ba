/**
 * The reports of `GET /api/v1/reports/{name}`: each one is a list of columns (with Russian titles for the exports) and an
 * async stream of rows. Money is integer kopecks in the rows; the exporters turn it into rubles.
 *
 * Sources: the rollups (written by src/db/rollups.repository.ts) for everything about receipts; `shifts` for shifts and Z-reports;
 * `fiscal_drives` and `fd_gaps` for the FN forecast and the unsent documents, `ofd_services` for the end of the OFD
 * service. No report scans `documents`.
 */
import { abcXyz } from './abc-xyz.report.js';
import { fnSchedule, unsent } from './fn-schedule.report.js';
import { hours } from './hours.report.js';
import { outlets } from './outlets.report.js';
import { paymentTypes } from './payment-types.report.js';
import type { Db, ReportFilter, ReportName, ReportResult, Runner } from './report-query.js';
import { shifts } from './shifts.report.js';
import { taxSystems } from './tax-systems.report.js';
import { vat } from './vat.report.js';
import { zReport } from './z-report.report.js';

export * from './report-query.js';
export { classifyAbcXyz, MIN_XYZ_WEEKS, type AbcXyzInput, type AbcXyzRow } from './abc-xyz.report.js';
export { OPERATION_SIGN } from './operation-sign.js';

const RUNNERS: Readonly<Record<ReportName, Runner>> = {
  'z-report': zReport,
  shifts,
  'payment-types': paymentTypes,
  'tax-systems': taxSystems,
  vat,
  outlets,
  hours,
  'abc-xyz': abcXyz,
  'fn-schedule': fnSchedule,
  unsent,
};

export function runReport(db: Db, name: ReportName, filter: ReportFilter): Promise<ReportResult> {
  return RUNNERS[name](db, filter);
}
