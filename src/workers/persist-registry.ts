/**
 * The registry rows a batch of documents names — organizations (by INN), outlets, registers (by registration number) —
 * made sure of before the documents are written, so each document row gets its register_id / outlet_id at once.
 * Idempotent and counter-free (`on conflict do nothing`, keys sorted), so it runs for every document of a batch, stored
 * before or not; ids seen committed are cached (they never change for their key: rows are not deleted).
 */
import { sql, type Transaction } from 'kysely';
import type { FieldObject } from '../../protocol/document-json.js';
import type { Database } from '../db/database.js';
import { completeRegistrations, registrationReportsOf } from './kkt-registration-reports.js';
import { str, validInn } from './persist-derive.js';
import { matchPreparedRegister, registrationFacts } from './prepared-register-match.js';

const REGISTRY_CACHE_MAX = 100_000;

export interface RegistryIds {
  /** inn → organization id */
  readonly orgs: Map<string, number>;
  /** `${orgId}\u0000${address}\u0000${place}` → outlet id */
  readonly outlets: Map<string, number>;
  /** registration number → register id */
  readonly registers: Map<string, number>;
}

/** What the registry needs of a document: its decoded fields (undefined when not recognised) and 1037 kktRegId. */
export interface RegistrySubject {
  readonly fields: FieldObject | undefined;
  readonly kktRegId: string | null;
}

export interface DocumentRegistryIds {
  orgId: number | null;
  outletId: number | null;
  registerId: number | null;
}

export const emptyRegistryIds = (): RegistryIds => ({ orgs: new Map(), outlets: new Map(), registers: new Map() });

const outletKey = (orgId: number, address: string, place: string) => `${orgId}\u0000${address}\u0000${place}`;
const byKey = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

export function documentRegistryIds(ids: RegistryIds, d: RegistrySubject): DocumentRegistryIds {
  if (!d.fields) return { orgId: null, outletId: null, registerId: null };
  const inn = validInn(d.fields);
  const orgId = inn === null ? null : (ids.orgs.get(inn) ?? null);
  const address = str(d.fields, 'retailPlaceAddress') ?? '';
  const place = str(d.fields, 'retailPlace') ?? '';
  const outletId = orgId === null || (address === '' && place === '') ? null : (ids.outlets.get(outletKey(orgId, address, place)) ?? null);
  const registerId = d.kktRegId === null ? null : (ids.registers.get(d.kktRegId) ?? null);
  return { orgId, outletId, registerId };
}

/** A bounded cache of committed registry ids. Call `remember` only after the transaction that saw them committed. */
export class RegistryCache {
  readonly ids: RegistryIds = emptyRegistryIds();

  remember(seen: RegistryIds): void {
    for (const [from, to] of [
      [seen.orgs, this.ids.orgs],
      [seen.outlets, this.ids.outlets],
      [seen.registers, this.ids.registers],
    ] as const) {
      if (to.size + from.size > REGISTRY_CACHE_MAX) to.clear();
      for (const [k, v] of from) to.set(k, v);
    }
  }
}

/** Makes sure the organizations, outlets and registers `docs` name exist, and returns their ids. */
export async function ensureRegistry(trx: Transaction<Database>, docs: readonly RegistrySubject[], cache: RegistryCache): Promise<RegistryIds> {
  const ids = emptyRegistryIds();
  const recognised = docs.filter((d): d is RegistrySubject & { fields: FieldObject } => d.fields !== undefined);

  const inns = [...new Set(recognised.map((d) => validInn(d.fields)).filter((x): x is string => x !== null))]
    .filter((inn) => {
      const id = cache.ids.orgs.get(inn);
      if (id !== undefined) ids.orgs.set(inn, id);
      return id === undefined;
    })
    .sort();
  if (inns.length > 0) {
    await trx
      .insertInto('organizations')
      .values(inns.map((inn) => ({ inn })))
      .onConflict((oc) => oc.column('inn').doNothing())
      .execute();
    const rows = await trx.selectFrom('organizations').select(['id', 'inn']).where('inn', 'in', inns).execute();
    for (const r of rows) ids.orgs.set(r.inn, r.id);
  }

  const outletWanted = new Map<string, { organization_id: number; address: string; place: string }>();
  for (const d of recognised) {
    const inn = validInn(d.fields);
    const orgId = inn === null ? undefined : ids.orgs.get(inn);
    if (orgId === undefined) continue;
    const address = str(d.fields, 'retailPlaceAddress') ?? '';
    const place = str(d.fields, 'retailPlace') ?? '';
    if (address === '' && place === '') continue;
    const key = outletKey(orgId, address, place);
    const cached = cache.ids.outlets.get(key);
    if (cached !== undefined) ids.outlets.set(key, cached);
    else outletWanted.set(key, { organization_id: orgId, address, place });
  }
  if (outletWanted.size > 0) {
    const wanted = [...outletWanted.entries()].sort(byKey).map(([, v]) => v);
    await trx
      .insertInto('outlets')
      .values(wanted)
      .onConflict((oc) => oc.columns(['organization_id', 'address', 'place']).doNothing())
      .execute();
    const rows = await trx
      .selectFrom('outlets')
      .select(['id', 'organization_id', 'address', 'place'])
      .where((eb) =>
        eb.or(wanted.map((w) => eb.and([eb('organization_id', '=', w.organization_id), eb('address', '=', w.address), eb('place', '=', w.place)]))),
      )
      .execute();
    for (const r of rows) ids.outlets.set(outletKey(r.organization_id, r.address, r.place), r.id);
  }

  const regWanted = new Map<string, { registration_number: string; organization_id: number | null; outlet_id: number | null }>();
  for (const d of recognised) {
    const reg = d.kktRegId;
    if (reg === null || regWanted.has(reg) || ids.registers.has(reg)) continue;
    const cached = cache.ids.registers.get(reg);
    if (cached !== undefined) {
      ids.registers.set(reg, cached);
      continue;
    }
    const { orgId, outletId } = documentRegistryIds(ids, d);
    regWanted.set(reg, { registration_number: reg, organization_id: orgId, outlet_id: outletId });
  }
  if (regWanted.size > 0) {
    const wanted = [...regWanted.entries()].sort(byKey).map(([, v]) => v);
    await trx
      .insertInto('registers')
      .values(wanted)
      .onConflict((oc) => oc.column('registration_number').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('registers')
      .select(['id', 'registration_number'])
      .where(
        'registration_number',
        'in',
        wanted.map((w) => w.registration_number),
      )
      .execute();
    for (const r of rows) ids.registers.set(r.registration_number, r.id);
    await recordDocumentOwners(
      trx,
      wanted.flatMap((w) => {
        const registerId = ids.registers.get(w.registration_number);
        return registerId === undefined || w.organization_id === null ? [] : [{ registerId, organizationId: w.organization_id }];
      }),
    );
  }
  // KKT registration applications waiting for this batch's registration reports (issue 18), in the same transaction.
  await completeRegistrations(trx, registrationReportsOf(recognised));
  // Registers prepared by serial and FN before their РНМ (issue 16) meet their registration reports.
  for (const d of recognised) {
    const facts = registrationFacts(d.fields, d.kktRegId === null ? undefined : ids.registers.get(d.kktRegId));
    if (facts) await matchPreparedRegister(trx, facts);
  }
  return ids;
}

/**
 * Whose documents a register carries (register_document_owners): the organization of their INN, whatever a customer
 * claimed when adding the register by hand. Document-derived views (shifts, fiscal drives, reports) follow it.
 * Written when a register is first seen by this process and on every registration report; rows sorted by register.
 */
export async function recordDocumentOwners(
  trx: Transaction<Database>,
  owners: ReadonlyArray<{ registerId: number; organizationId: number }>,
): Promise<void> {
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
