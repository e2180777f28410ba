// Outlets, registers and fiscal drives for the cabinet API: tenant-scoped lists, FN history and the inputs of a
// register's connection status.
//
// Which register an FN works in: fiscal_drives.register_id (set from its registration report), else the register its
// shifts name (every receipt and shift report names one; the persist worker writes it onto the shift row).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import type { FiscalDrive, Outlet, Register } from './tables/registry.js';

type Db = Kysely<Database>;
export type Scope = 'all' | readonly number[];

const emptyScope = (s: Scope) => s !== 'all' && s.length === 0;

// ---- outlets --------------------------------------------------------------------------------------------------------

export interface OutletListQuery {
  scope: Scope;
  /** A membership limited to outlets or registers (auth/access-scope.ts): rows outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  organizationId?: number | undefined;
  afterId?: number | undefined;
  limit: number;
}

export async function listOutlets(db: Db, q: OutletListQuery): Promise<Outlet[]> {
  if (emptyScope(q.scope)) return [];
  let query = db.selectFrom('outlets').selectAll().orderBy('id').limit(q.limit);
  if (q.scope !== 'all') query = query.where('organization_id', 'in', [...q.scope]);
  if (q.placeLimit) query = query.where(q.placeLimit);
  if (q.organizationId !== undefined) query = query.where('organization_id', '=', q.organizationId);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  return query.execute();
}

export function findOutlet(db: Db, id: number): Promise<Outlet | undefined> {
  return db.selectFrom('outlets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Undefined when the organization already has this (address, place). */
export function createOutlet(db: Db, organizationId: number, address: string, place: string): Promise<Outlet | undefined> {
  return db
    .insertInto('outlets')
    .values({ organization_id: organizationId, address, place })
    .onConflict((oc) => oc.columns(['organization_id', 'address', 'place']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The renamed outlet; 'exists' when the organization already has an outlet with that address and place. */
export async function renameOutlet(db: Db, id: number, address: string, place: string): Promise<Outlet | 'exists' | undefined> {
  try {
    return await db.updateTable('outlets').set({ address, place }).where('id', '=', id).returningAll().executeTakeFirst();
  } catch (e) {
    if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505') return 'exists';
    throw e;
  }
}

// ---- registers ------------------------------------------------------------------------------------------------------

export interface RegisterListQuery {
  scope: Scope;
  /** A membership limited to outlets or registers (auth/access-scope.ts): rows outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  organizationId?: number | undefined;
  outletId?: number | undefined;
  afterId?: number | undefined;
  limit: number;
}

export async function listRegisters(db: Db, q: RegisterListQuery): Promise<Register[]> {
  if (emptyScope(q.scope)) return [];
  let query = db.selectFrom('registers').selectAll().orderBy('id').limit(q.limit);
  if (q.scope !== 'all') query = query.where('organization_id', 'in', [...q.scope]);
  if (q.placeLimit) query = query.where(q.placeLimit);
  if (q.organizationId !== undefined) query = query.where('organization_id', '=', q.organizationId);
  if (q.outletId !== undefined) query = query.where('outlet_id', '=', q.outletId);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  return query.execute();
}

export function findRegister(db: Db, id: number): Promise<Register | undefined> {
  return db.selectFrom('registers').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewRegisterInput {
  organizationId: number;
  registrationNumber: string;
  serialNumber: string | null;
  outletId: number | null;
}

/** A register added by hand; undefined when the registration number is known already. */
export function createRegister(db: Db, r: NewRegisterInput): Promise<Register | undefined> {
  return db
    .insertInto('registers')
    .values({
      registration_number: r.registrationNumber,
      serial_number: r.serialNumber,
      organization_id: r.organizationId,
      outlet_id: r.outletId,
    })
    .onConflict((oc) => oc.column('registration_number').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function setRegisterOutlet(db: Db, id: number, outletId: number | null): Promise<Register | undefined> {
  return db
    .updateTable('registers')
    .set({ outlet_id: outletId, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

// ---- fiscal drives --------------------------------------------------------------------------------------------------

export interface FiscalDriveState extends FiscalDrive {
  /** The register the FN works in (see the header). */
  effective_register_id: number | null;
  /** received_at of its highest FD: when we last heard from it. */
  last_received_at: Date | null;
  gap_count: number;
  /** FD numbers missing between first_fd and last_fd. */
  missing_fds: number;
}

function driveStateQuery(db: Db) {
  return db
    .selectFrom('fiscal_drives as d')
    .selectAll('d')
    .select([
      sql<number | null>`coalesce(d.register_id, (select s.register_id from shifts s where s.fn = d.fn and s.register_id is not null order by s.shift_number desc limit 1))`.as(
        'effective_register_id',
      ),
      sql<Date | null>`(select k.received_at from document_keys k where k.fn = d.fn order by k.fd desc limit 1)`.as('last_received_at'),
      sql<number>`(select count(*)::int from fd_gaps g where g.fn = d.fn)`.as('gap_count'),
      sql<number>`(select coalesce(sum(g.to_fd - g.from_fd + 1), 0)::int from fd_gaps g where g.fn = d.fn)`.as('missing_fds'),
    ]);
}

/** Every FN that worked in these registers, with its state. */
export async function drivesOfRegisters(db: Db, registerIds: readonly number[]): Promise<FiscalDriveState[]> {
  if (registerIds.length === 0) return [];
  const ids = [...registerIds];
  return driveStateQuery(db)
    // A union of two index ranges (fiscal_drives_register_id_idx, shifts_register_id_opened_at_idx), not an OR over
    // fiscal_drives: the OR can only be evaluated row by row, so every caller read every FN — the condition evaluator
    // does this per organization, which made each evaluation round organizations × FNs.
    .where((eb) =>
      eb(
        'd.fn',
        'in',
        eb
          .selectFrom('fiscal_drives as f')
          .select('f.fn')
          .where('f.register_id', 'in', ids)
          .union(eb.selectFrom('shifts').select('shifts.fn').where('shifts.register_id', 'in', ids)),
      ),
    )
    .orderBy('d.fn')
    .execute() as Promise<FiscalDriveState[]>;
}

export async function findFiscalDrive(db: Db, fn: string): Promise<FiscalDriveState | undefined> {
  return (await driveStateQuery(db).where('d.fn', '=', fn).executeTakeFirst()) as FiscalDriveState | undefined;
}

export interface FiscalDriveListQuery {
  scope: Scope;
  /** A membership limited to outlets or registers (auth/access-scope.ts): rows outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  organizationId?: number | undefined;
  registerId?: number | undefined;
  afterFn?: string | undefined;
  limit: number;
}

/** FNs whose register belongs to the scope; the operator also sees FNs with no known register. */
export async function listFiscalDrives(db: Db, q: FiscalDriveListQuery): Promise<FiscalDriveState[]> {
  if (emptyScope(q.scope)) return [];
  let query = db
    .selectFrom(driveStateQuery(db).as('f'))
    // Owned by the organization of its register's documents, not by a claim on the register (issue 13, item 5).
    .leftJoin('register_document_owners as r', 'r.register_id', 'f.effective_register_id')
    .selectAll('f')
    .select('r.organization_id')
    .orderBy('f.fn')
    .limit(q.limit);
  if (q.scope !== 'all') query = query.where('r.organization_id', 'in', [...q.scope]);
  if (q.placeLimit) query = query.where(q.placeLimit);
  if (q.organizationId !== undefined) query = query.where('r.organization_id', '=', q.organizationId);
  if (q.registerId !== undefined) query = query.where('f.effective_register_id', '=', q.registerId);
  if (q.afterFn !== undefined) query = query.where('f.fn', '>', q.afterFn);
  return (await query.execute()) as unknown as FiscalDriveState[];
}

export async function gapsOf(db: Db, fn: string, limit = 1000): Promise<Array<{ from_fd: number; to_fd: number }>> {
  return db.selectFrom('fd_gaps').select(['from_fd', 'to_fd']).where('fn', '=', fn).orderBy('from_fd').limit(limit).execute();
}

/** The organization a register's documents belong to (their INN), undefined when none arrived with a valid INN. */
export async function documentOwnerOfRegister(db: Db, registerId: number): Promise<number | undefined> {
  const row = await db.selectFrom('register_document_owners').select('organization_id').where('register_id', '=', registerId).executeTakeFirst();
  return row?.organization_id;
}

/** register id → the organization its documents belong to, for those of `registerIds` that have one. */
export async function documentOwnersOfRegisters(db: Db, registerIds: readonly number[]): Promise<Map<number, number>> {
  if (registerIds.length === 0) return new Map();
  const rows = await db.selectFrom('register_document_owners').select(['register_id', 'organization_id']).where('register_id', 'in', [...registerIds]).execute();
  return new Map(rows.map((r) => [r.register_id, r.organization_id]));
}

export async function registersByIds(db: Db, ids: readonly number[]): Promise<Register[]> {
  return ids.length === 0 ? [] : db.selectFrom('registers').selectAll().where('id', 'in', [...ids]).execute();
}

export interface RegisterConflict {
  id: number;
  registration_number: string;
  claimed_organization_id: number;
  document_organization_id: number;
  document_inn: string;
}

/** Registers claimed by one organization while their documents carry another's INN: for the operator to settle. */
export async function listRegisterConflicts(db: Db, afterId: number | undefined, limit: number): Promise<RegisterConflict[]> {
  let q = db
    .selectFrom('registers as r')
    .innerJoin('register_document_owners as ro', 'ro.register_id', 'r.id')
    .innerJoin('organizations as o', 'o.id', 'ro.organization_id')
    .select(['r.id', 'r.registration_number', 'ro.organization_id as document_organization_id', 'o.inn as document_inn'])
    .select(sql<number>`r.organization_id`.as('claimed_organization_id'))
    .where('r.organization_id', 'is not', null)
    .whereRef('r.organization_id', '<>', 'ro.organization_id')
    .orderBy('r.id')
    .limit(limit);
  if (afterId !== undefined) q = q.where('r.id', '>', afterId);
  return q.execute();
}
