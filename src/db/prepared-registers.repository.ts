// Registers prepared before their РНМ (migration 0033, issue 16): added by serial and FN (one, several, or an xlsx
// import), listed with what the persist worker linked to them, and the import reports.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { PreparedRegister, PreparedRegisterStage, RegisterImport } from './tables/onboarding.js';
import { insertAudit, type AuditEntry } from './audit-log.repository.js';
import { matchPreparedRegister } from './prepared-register-match.repository.js';

type Db = Kysely<Database>;
type Tx = Transaction<Database>;

export interface PreparedRegisterInput {
  serialNumber: string;
  fn: string;
  partnerCode: string | null;
  outletId: number | null;
}

const CHUNK = 1000;

/**
 * Adds the registers the organization does not have yet (by serial); returns how many were new. A serial another
 * organization prepared is flagged on both (serial_claimed_elsewhere); a serial already registered (a registration
 * report came first) is linked at once.
 */
export async function addPreparedRegisters(
  trx: Tx,
  organizationId: number,
  rows: readonly PreparedRegisterInput[],
  createdByUserId: number | null,
  importId: number | null,
): Promise<PreparedRegister[]> {
  const added: PreparedRegister[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const inserted = await trx
      .insertInto('prepared_registers')
      .values(
        chunk.map((r) => ({
          organization_id: organizationId,
          outlet_id: r.outletId,
          serial_number: r.serialNumber,
          fn: r.fn,
          partner_code: r.partnerCode,
          created_by_user_id: createdByUserId,
          import_id: importId,
        })),
      )
      .onConflict((oc) => oc.columns(['organization_id', 'serial_number']).doNothing())
      .returningAll()
      .execute();
    added.push(...inserted);
  }
  if (added.length === 0) return added;
  const serials = added.map((r) => r.serial_number);
  await sql`
    update prepared_registers p set conflict = 'serial_claimed_elsewhere', conflict_at = now(), updated_at = now()
    where p.serial_number = any(${serials}::text[]) and p.conflict is null
      and exists (select 1 from prepared_registers q where q.serial_number = p.serial_number and q.organization_id <> p.organization_id)
  `.execute(trx);
  // Registered before it was prepared: the registration report is stored, so match now.
  const known = await trx
    .selectFrom('registers as r')
    .innerJoin('fiscal_drives as d', 'd.register_id', 'r.id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select(['r.id', 'r.serial_number', 'd.fn', 'o.inn'])
    .where('r.serial_number', 'in', serials)
    .execute();
  for (const k of known) await matchPreparedRegister(trx, { serial: k.serial_number!, fn: k.fn, inn: k.inn, registerId: k.id });
  return added;
}

export async function addPreparedWithAudit(
  db: Db,
  organizationId: number,
  rows: readonly PreparedRegisterInput[],
  createdByUserId: number | null,
  audit: AuditEntry,
): Promise<{ added: PreparedRegister[]; existing: string[] }> {
  return db.transaction().execute(async (trx) => {
    const added = await addPreparedRegisters(trx, organizationId, rows, createdByUserId, null);
    const addedSerials = new Set(added.map((a) => a.serial_number));
    await insertAudit(trx, { ...audit, details: { ...audit.details, added: added.length } });
    return { added: await reload(trx, added.map((a) => a.id)), existing: rows.map((r) => r.serialNumber).filter((s) => !addedSerials.has(s)) };
  });
}

async function reload(db: Db | Tx, ids: readonly number[]): Promise<PreparedRegister[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('prepared_registers').selectAll().where('id', 'in', [...ids]).orderBy('id').execute();
}

export interface ImportRecord {
  organizationId: number;
  userId: number | null;
  fileName: string | null;
  mode: 'all_or_nothing' | 'valid_rows';
  rowsTotal: number;
  errors: Array<{ row: number; column: string; field: string; message: string }>;
  rowsInvalid: number;
  /** The valid rows to add (empty when nothing is to be imported). */
  rows: readonly PreparedRegisterInput[];
}

/** Records the import's report and adds its rows, in one transaction. */
export async function runImport(db: Db, r: ImportRecord, audit: AuditEntry): Promise<RegisterImport> {
  return db.transaction().execute(async (trx) => {
    const head = await trx
      .insertInto('register_imports')
      .values({
        organization_id: r.organizationId,
        user_id: r.userId,
        file_name: r.fileName,
        mode: r.mode,
        rows_total: r.rowsTotal,
        rows_invalid: r.rowsInvalid,
        rows_imported: 0,
        rows_existing: 0,
        errors: JSON.stringify(r.errors.slice(0, 1000)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const added = r.rows.length === 0 ? [] : await addPreparedRegisters(trx, r.organizationId, r.rows, r.userId, head.id);
    const row = await trx
      .updateTable('register_imports')
      .set({ rows_imported: added.length, rows_existing: r.rows.length - added.length })
      .where('id', '=', head.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertAudit(trx, { ...audit, target: `import:${head.id}`, details: { ...audit.details, imported: added.length, invalid: r.rowsInvalid } });
    return row;
  });
}

export function findImport(db: Db, organizationId: number, id: number): Promise<RegisterImport | undefined> {
  return db.selectFrom('register_imports').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export function listImports(db: Db, organizationId: number): Promise<RegisterImport[]> {
  return db.selectFrom('register_imports').selectAll().where('organization_id', '=', organizationId).orderBy('id', 'desc').limit(100).execute();
}

export function findPrepared(db: Db, id: number): Promise<PreparedRegister | undefined> {
  return db.selectFrom('prepared_registers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setStage(db: Db, id: number, stage: PreparedRegisterStage, audit: AuditEntry): Promise<PreparedRegister | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('prepared_registers').set({ stage, updated_at: sql<Date>`now()` }).where('id', '=', id).returningAll().executeTakeFirst();
    if (row) await insertAudit(trx, audit);
    return row;
  });
}

export interface PreparedListQuery {
  /** Tenant filter (auth/access-scope.ts), over `p` (prepared_registers). */
  scope: import('kysely').RawBuilder<boolean>;
  organizationId?: number | undefined;
  outletId?: number | undefined;
  serialNumber?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

export function listPrepared(db: Db, q: PreparedListQuery): Promise<PreparedRegister[]> {
  let query = db.selectFrom('prepared_registers as p').selectAll('p').where(q.scope).orderBy('p.id').limit(q.limit);
  if (q.organizationId !== undefined) query = query.where('p.organization_id', '=', q.organizationId);
  if (q.outletId !== undefined) query = query.where('p.outlet_id', '=', q.outletId);
  if (q.serialNumber !== undefined) query = query.where('p.serial_number', '=', q.serialNumber);
  if (q.afterId !== undefined) query = query.where('p.id', '>', q.afterId);
  return query.execute();
}
