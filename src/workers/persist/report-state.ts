/**
 * Derived state of registration, shift and archive reports, for the reports newly stored in a persist transaction
 * (rare: per document): what each report says, read from its fields, written by src/db/document-reports.repository.ts.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import {
  recordArchiveClosed,
  recordDriveState,
  recordKeyResource,
  recordRegistration,
  recordShiftClosed,
  recordShiftOpened,
} from '../../db/document-reports.repository.js';
import { validityMonthsFromKeyResource } from '../../domain/fn-end-date.js';
import { bool, FORM, int8, num, REGISTRATION_FORMS, str, toJson } from './derive.js';
import type { Prepared } from './prepare.js';
import { documentRegistryIds, type RegistryIds } from './registry.js';

type Trx = Transaction<Database>;

async function applyRegistration(trx: Trx, d: Prepared, ids: RegistryIds): Promise<void> {
  const f = d.derived.fields!;
  const { orgId, outletId, registerId } = documentRegistryIds(ids, { fields: f, kktRegId: d.derived.columns.kkt_reg_id });
  await recordRegistration(trx, {
    fn: d.job.fn,
    fd: d.job.fd,
    orgId,
    outletId,
    registerId,
    user: str(f, 'user'),
    dateTime: str(f, 'dateTime'),
    register: {
      serial_number: str(f, 'kktNumber'),
      ffd_version: num(f, 'fiscalDocumentFormatVer'),
      kkt_version: str(f, 'kktVersion'),
      machine_number: str(f, 'machineNumber'),
      taxation_types: num(f, 'taxationType'),
      usage_conditions: int8(f, 'usageConditionSigns'),
      auto_mode: bool(f, 'autoMode'),
      offline_mode: bool(f, 'offlineMode'),
      encryption_sign: bool(f, 'encryptionSign'),
      internet_sign: bool(f, 'internetSign'),
    },
    drive: {
      ffdVersion: num(f, 'documentFdVersion'),
      keyResourceDays: num(f, 'fdKeyResource'),
      validityMonths: validityMonthsFromKeyResource(num(f, 'fdKeyResource')),
    },
  });
}

/** Shift reports carry the FN's key resource (1213) too: keep the latest reported, never an older report's. */
async function applyKeyResource(trx: Trx, d: Prepared): Promise<void> {
  const f = d.derived.fields!;
  const days = num(f, 'fdKeyResource');
  const dateTime = str(f, 'dateTime');
  if (days === null || dateTime === null) return;
  await recordKeyResource(trx, d.job.fn, days, dateTime);
}

async function applyOpenShift(trx: Trx, d: Prepared, registerId: number | null): Promise<void> {
  const f = d.derived.fields!;
  const shift = int8(f, 'shiftNumber');
  if (shift === null) return;
  await recordShiftOpened(trx, { fn: d.job.fn, shift, registerId, openedAt: str(f, 'dateTime'), openFd: d.job.fd });
}

async function applyCloseShift(trx: Trx, d: Prepared, registerId: number | null): Promise<void> {
  const f = d.derived.fields!;
  const shift = int8(f, 'shiftNumber');
  if (shift !== null) {
    const counters: Record<string, unknown> = {};
    if (f['shiftSumReports'] !== undefined) counters['shiftSumReports'] = f['shiftSumReports'];
    if (f['fiscalDriveSumReports'] !== undefined) counters['fiscalDriveSumReports'] = f['fiscalDriveSumReports'];
    await recordShiftClosed(trx, {
      fn: d.job.fn,
      shift,
      registerId,
      closedAt: str(f, 'dateTime'),
      closeFd: d.job.fd,
      receiptsQuantity: int8(f, 'receiptsQuantity'),
      documentsQuantity: int8(f, 'documentsQuantity'),
      notTransmittedCount: int8(f, 'notTransmittedDocumentsQuantity'),
      closingCounters: Object.keys(counters).length > 0 ? toJson(counters) : null,
    });
  }
  await recordDriveState(trx, d.job.fn, {
    not_transmitted_count: int8(f, 'notTransmittedDocumentsQuantity'),
    not_transmitted_since: str(f, 'notTransmittedDocumentsDateTime'),
    exhaustion_sign: bool(f, 'fiscalDriveExhaustionSign'),
    replace_required_sign: bool(f, 'fiscalDriveReplaceRequiredSign'),
    memory_exceeded_sign: bool(f, 'fiscalDriveMemoryExceededSign'),
  });
}

export async function applyReports(trx: Trx, fresh: readonly Prepared[], ids: RegistryIds): Promise<void> {
  for (const d of fresh) {
    if (!d.derived.fields) continue;
    const form = d.derived.form;
    const registerId = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id }).registerId;
    if (REGISTRATION_FORMS.has(form)) await applyRegistration(trx, d, ids);
    else if (form === FORM.openShift) await applyOpenShift(trx, d, registerId);
    else if (form === FORM.closeShift) await applyCloseShift(trx, d, registerId);
    if (form === FORM.openShift || form === FORM.closeShift) await applyKeyResource(trx, d);
    else if (form === FORM.closeArchive) await recordArchiveClosed(trx, d.job.fn, d.job.fd, str(d.derived.fields, 'dateTime'), registerId);
  }
}
