/**
 * The registry rows documents name, made sure of before the persist transaction or in it (src/workers/persist/registry.ts
 * decides which and when): organizations by INN, outlets by (organization, address, place), registers by registration
 * number, and whose documents a register carries. Idempotent and counter-free (`on conflict do nothing`); callers pass
 * keys sorted, so concurrent transactions lock rows in the same order.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** A transaction, or the database itself (each statement then commits on its own: every one is idempotent). */
type Trx = Kysely<Database>;

export interface OutletKey {
  readonly organization_id: number;
  readonly address: string;
  readonly place: string;
}

export interface NewRegistryRegister {
  readonly registration_number: string;
  readonly organization_id: number | null;
  readonly outlet_id: number | null;
}

/** Inserts the organizations of `inns` (sorted) that do not exist; returns every one's id. */
export async function ensureOrganizations(trx: Trx, inns: readonly string[]): Promise<{ id: number; inn: string }[]> {
  await trx
    .insertInto('organizations')
    .values(inns.map((inn) => ({ inn })))
    .onConflict((oc) => oc.column('inn').doNothing())
    .execute();
  return trx.selectFrom('organizations').select(['id', 'inn']).where('inn', 'in', inns).execute();
}

/** Inserts the outlets of `wanted` (sorted) that do not exist; returns every one's id. */
export async function ensureOutlets(trx: Trx, wanted: readonly OutletKey[]): Promise<(OutletKey & { id: number })[]> {
  await trx
    .insertInto('outlets')
    .values([...wanted])
    .onConflict((oc) => oc.columns(['organization_id', 'address', 'place']).doNothing())
    .execute();
  return trx
    .selectFrom('outlets')
    .select(['id', 'organization_id', 'address', 'place'])
    .where((eb) =>
      eb.or(wanted.map((w) => eb.and([eb('organization_id', '=', w.organization_id), eb('address', '=', w.address), eb('place', '=', w.place)]))),
    )
    .execute();
}

/** Inserts the registers of `wanted` (sorted) that do not exist; returns every one's id. */
export async function ensureRegisters(trx: Trx, wanted: readonly NewRegistryRegister[]): Promise<{ id: number; registration_number: string }[]> {
  await trx
    .insertInto('registers')
    .values([...wanted])
    .onConflict((oc) => oc.column('registration_number').doNothing())
    .execute();
  return trx
    .selectFrom('registers')
    .select(['id', 'registration_number'])
    .where(
      'registration_number',
      'in',
      wanted.map((w) => w.registration_number),
    )
    .execute();
}

/**
 * Whose documents a register carries (register_document_owners): the organization of their INN, whatever a customer
 * claimed when adding the register by hand. Document-derived views (shifts, fiscal drives, reports) follow it.
 * Written when a register is first seen by this process and on every registration report; rows sorted by register.
 */
export async function recordDocumentOwners(trx: Trx, owners: ReadonlyArray<{ registerId: number; organizationId: number }>): Promise<void> {
  if (owners.length === 0) return;
  const values = [...owners].sort((a, b) => a.registerId - b.registerId).map((o) => ({ register_id: o.registerId, organization_id: o.organizationId }));
  await trx
    .insertInto('register_document_owners')
    .values(values)
    .onConflict((oc) =>
      oc
        .column('register_id')
        .doUpdateSet((eb) => ({ organization_id: eb.ref('excluded.organization_id'), updated_at: sql<Date>`now()` }))
        .where('register_document_owners.organization_id', '<>', (eb) => eb.ref('excluded.organization_id')),
    )
    .execute();
}
