/**
 * The state a registration, shift or archive-closing report sets, written in the persist transaction for a report
 * newly stored (src/workers/persist/report-state.ts reads the values from the report): the register and fiscal drive a
 * registration report describes, a shift's opening and closing, the FN's key resource, a closed archive. Rare: one
 * statement or two per report.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { recordDocumentOwners } from './document-registry.repository.js';
import type { FiscalDriveUpdate, RegisterUpdate } from './tables/registry.js';

type Trx = Transaction<Database>;

/** A registration report (form 1 or 11) and the registry ids of what it names. */
export interface RegistrationState {
  readonly fn: string;
  readonly fd: number;
  readonly orgId: number | null;
  readonly outletId: number | null;
  readonly registerId: number | null;
  /** 1048: the organization's name. */
  readonly user: string | null;
  readonly dateTime: string | null;
  /** The register's settings as the report has them. */
  readonly register: Pick<
    RegisterUpdate,
    | 'serial_number'
    | 'ffd_version'
    | 'kkt_version'
    | 'machine_number'
    | 'taxation_types'
    | 'usage_conditions'
    | 'auto_mode'
    | 'offline_mode'
    | 'encryption_sign'
    | 'internet_sign'
  >;
  readonly drive: { readonly ffdVersion: number | null; readonly keyResourceDays: number | null; readonly validityMonths: number | null };
}

/**
 * Whether a report of `dateTime` decides the value `column` dates: none recorded yet, or — as `wins` says — one older
 * than it (the newest report wins) or newer than it (the earliest wins). So a report arriving late changes nothing it
 * should not. A report without a time only fills a row that has none.
 */
function reportDecides(column: 'registered_at' | 'name_reported_at' | 'key_resource_reported_at', dateTime: string | null, wins: 'newest' | 'earliest'): RawBuilder<boolean> {
  const col = sql.ref(column);
  if (dateTime === null) return sql<boolean>`${col} is null`;
  return wins === 'newest' ? sql<boolean>`(${col} is null or ${col} <= ${dateTime}::timestamp)` : sql<boolean>`(${col} is null or ${col} > ${dateTime}::timestamp)`;
}

/**
 * What a registration report (form 1, or 11 for a change) sets, whatever order the reports of a register arrive in:
 * - the organization's name: from the newest report of any of its registers (organizations.name_reported_at);
 * - the register (its settings, organization and outlet) and the FN's register and FFD version: from the register's
 *   newest report;
 * - when the FN started (registered_at, registration_fd) and its model's validity: from its EARLIEST report — a
 *   re-registration (new address, new settings) does not restart the FN's clock, and its key resource (1213) is what
 *   is left, not the model's;
 * - the key resource: from the newest report of any kind (recordKeyResource, shift reports too).
 */
export async function recordRegistration(trx: Trx, r: RegistrationState): Promise<void> {
  const { orgId, outletId, registerId, dateTime } = r;
  if (orgId !== null && r.user !== null) {
    await trx
      .updateTable('organizations')
      .set({ name: r.user, name_reported_at: dateTime, updated_at: sql<Date>`now()` })
      .where('id', '=', orgId)
      .where(reportDecides('name_reported_at', dateTime, 'newest'))
      .execute();
  }
  let newest = true;
  if (registerId !== null) {
    const updated = await trx
      .updateTable('registers')
      .set({ ...r.register, organization_id: orgId, outlet_id: outletId, status: 'active', registered_at: dateTime, updated_at: sql<Date>`now()` })
      .where('id', '=', registerId)
      .where(reportDecides('registered_at', dateTime, 'newest'))
      .executeTakeFirst();
    newest = updated.numUpdatedRows > 0n;
    if (orgId !== null && newest) await recordDocumentOwners(trx, [{ registerId, organizationId: orgId }]);
  }
  if (newest) {
    await trx
      .updateTable('fiscal_drives')
      .set({ register_id: registerId, ffd_version: r.drive.ffdVersion, updated_at: sql<Date>`now()` })
      .where('fn', '=', r.fn)
      .execute();
  }
  await trx
    .updateTable('fiscal_drives')
    .set({
      registered_at: dateTime,
      registration_fd: r.fd,
      // The model's validity, told by the key resource of the FN's first registration (src/domain/fn-end-date.ts); a
      // report without 1213 (FFD 1.0) keeps what another said.
      validity_months: sql<number | null>`coalesce(${r.drive.validityMonths}::int, validity_months)`,
      updated_at: sql<Date>`now()`,
    })
    .where('fn', '=', r.fn)
    .where(reportDecides('registered_at', dateTime, 'earliest'))
    .execute();
  if (r.drive.keyResourceDays !== null && dateTime !== null) await recordKeyResource(trx, r.fn, r.drive.keyResourceDays, dateTime);
}

/** Registration and shift reports carry the FN's key resource (1213): keep the latest reported, never an older report's. */
export async function recordKeyResource(trx: Trx, fn: string, days: number, dateTime: string): Promise<void> {
  await trx
    .updateTable('fiscal_drives')
    .set({ key_resource_days: days, key_resource_reported_at: dateTime, updated_at: sql<Date>`now()` })
    .where('fn', '=', fn)
    .where(reportDecides('key_resource_reported_at', dateTime, 'newest'))
    .execute();
}

export interface ShiftOpening {
  readonly fn: string;
  readonly shift: number | bigint;
  readonly registerId: number | null;
  readonly openedAt: string | null;
  readonly openFd: number;
}

export async function recordShiftOpened(trx: Trx, s: ShiftOpening): Promise<void> {
  await trx
    .insertInto('shifts')
    .values({ fn: s.fn, shift_number: s.shift, register_id: s.registerId, opened_at: s.openedAt, open_fd: s.openFd })
    .onConflict((oc) =>
      oc.columns(['fn', 'shift_number']).doUpdateSet((eb) => ({
        opened_at: eb.ref('excluded.opened_at'),
        open_fd: eb.ref('excluded.open_fd'),
        register_id: sql<number>`coalesce(shifts.register_id, excluded.register_id)`,
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

export interface ShiftClosing {
  readonly fn: string;
  readonly shift: number | bigint;
  readonly registerId: number | null;
  readonly closedAt: string | null;
  readonly closeFd: number;
  readonly receiptsQuantity: number | bigint | null;
  readonly documentsQuantity: number | bigint | null;
  readonly notTransmittedCount: number | bigint | null;
  /** FNS JSON text of 1194 / 1157, or null. */
  readonly closingCounters: string | null;
}

export async function recordShiftClosed(trx: Trx, s: ShiftClosing): Promise<void> {
  await trx
    .insertInto('shifts')
    .values({
      fn: s.fn,
      shift_number: s.shift,
      register_id: s.registerId,
      closed_at: s.closedAt,
      close_fd: s.closeFd,
      receipts_quantity: s.receiptsQuantity,
      documents_quantity: s.documentsQuantity,
      not_transmitted_count: s.notTransmittedCount,
      closing_counters: s.closingCounters,
    })
    .onConflict((oc) =>
      oc.columns(['fn', 'shift_number']).doUpdateSet((eb) => ({
        closed_at: eb.ref('excluded.closed_at'),
        close_fd: eb.ref('excluded.close_fd'),
        receipts_quantity: eb.ref('excluded.receipts_quantity'),
        documents_quantity: eb.ref('excluded.documents_quantity'),
        not_transmitted_count: eb.ref('excluded.not_transmitted_count'),
        closing_counters: eb.ref('excluded.closing_counters'),
        register_id: sql<number>`coalesce(shifts.register_id, excluded.register_id)`,
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

/** The FN's state as a closing shift report tells it. */
export type DriveShiftState = Pick<
  FiscalDriveUpdate,
  'not_transmitted_count' | 'not_transmitted_since' | 'exhaustion_sign' | 'replace_required_sign' | 'memory_exceeded_sign'
>;

export async function recordDriveState(trx: Trx, fn: string, state: DriveShiftState): Promise<void> {
  await trx
    .updateTable('fiscal_drives')
    .set({ ...state, updated_at: sql<Date>`now()` })
    .where('fn', '=', fn)
    .execute();
}

/** An archive-closing report: the FN is closed, its active register becomes fn_closed. */
export async function recordArchiveClosed(trx: Trx, fn: string, fd: number, closedAt: string | null, registerId: number | null): Promise<void> {
  await trx.updateTable('fiscal_drives').set({ closed_at: closedAt, closed_fd: fd, updated_at: sql<Date>`now()` }).where('fn', '=', fn).execute();
  if (registerId !== null) {
    await trx
      .updateTable('registers')
      .set({ status: 'fn_closed', updated_at: sql<Date>`now()` })
      .where('id', '=', registerId)
      .where('status', '=', 'active')
      .execute();
  }
}
