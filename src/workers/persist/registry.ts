/**
 * The registry rows a batch of documents names — organizations (by INN), outlets, registers (by registration number) —
 * made sure of before the documents are written, so each document row gets its register_id / outlet_id at once.
 * Idempotent and counter-free (`on conflict do nothing`, keys sorted), so it runs for every document of a batch, stored
 * before or not; ids seen committed are cached (they never change for their key: rows are not deleted).
 *
 * The rows the cache does not hold are created BEFORE the batch's transaction, each statement committing on its own
 * (ensureRegistryRows), and remembered at once. Inside the transaction a new row would stay uncommitted — and every
 * registration report of the batch updates its organization and register — until the batch commits, and the next batch
 * in flight, naming the same new shop, waited on it at its first insert: while registers came online, the persist
 * worker's two transactions in flight ran one after the other (measured in the loadtest: a backend waiting on
 * `insert into organizations` in a third of the samples of the drain). The cost: a batch that then fails leaves rows
 * that name no stored document until it is retried (a document PostgreSQL refuses for good leaves them for ever:
 * an organization, outlet or register with no documents, as one added by hand before its first receipt).
 */
import type { Kysely, Transaction } from 'kysely';
import type { FieldObject } from '../../../protocol/document-json.js';
import type { Database } from '../../db/database.js';
import {
  ensureOrganizations,
  ensureOutlets,
  ensureRegisters,
  recordDocumentOwners,
  type NewRegistryRegister,
  type OutletKey,
} from '../../db/document-registry.repository.js';
import { completeRegistrations, registrationReportsOf } from '../fns/kkt-registration-reports.js';
import { str, validInn } from './derive.js';
import { matchPreparedRegister } from '../../db/prepared-register-match.repository.js';
import { registrationFacts } from './prepared-register-match.js';

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

type Recognised = RegistrySubject & { fields: FieldObject };

async function ensureOrgs(trx: Kysely<Database>, docs: readonly Recognised[], cache: RegistryCache, ids: RegistryIds): Promise<void> {
  const inns = [...new Set(docs.map((d) => validInn(d.fields)).filter((x): x is string => x !== null))]
    .filter((inn) => {
      const id = cache.ids.orgs.get(inn);
      if (id !== undefined) ids.orgs.set(inn, id);
      return id === undefined;
    })
    .sort();
  if (inns.length === 0) return;
  for (const r of await ensureOrganizations(trx, inns)) ids.orgs.set(r.inn, r.id);
}

async function ensureDocOutlets(trx: Kysely<Database>, docs: readonly Recognised[], cache: RegistryCache, ids: RegistryIds): Promise<void> {
  const outletWanted = new Map<string, OutletKey>();
  for (const d of docs) {
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
  if (outletWanted.size === 0) return;
  const wanted = [...outletWanted.entries()].sort(byKey).map(([, v]) => v);
  for (const r of await ensureOutlets(trx, wanted)) ids.outlets.set(outletKey(r.organization_id, r.address, r.place), r.id);
}

async function ensureDocRegisters(trx: Kysely<Database>, docs: readonly Recognised[], cache: RegistryCache, ids: RegistryIds): Promise<void> {
  const regWanted = new Map<string, NewRegistryRegister>();
  for (const d of docs) {
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
  if (regWanted.size === 0) return;
  const wanted = [...regWanted.entries()].sort(byKey).map(([, v]) => v);
  for (const r of await ensureRegisters(trx, wanted)) ids.registers.set(r.registration_number, r.id);
  await recordDocumentOwners(
    trx,
    wanted.flatMap((w) => {
      const registerId = ids.registers.get(w.registration_number);
      return registerId === undefined || w.organization_id === null ? [] : [{ registerId, organizationId: w.organization_id }];
    }),
  );
}

const recognisedOf = (docs: readonly RegistrySubject[]) => docs.filter((d): d is Recognised => d.fields !== undefined);

/** Makes sure the organizations, outlets and registers `docs` name exist, and returns their ids; no statement when cached. */
async function ensureRows(db: Kysely<Database>, recognised: readonly Recognised[], cache: RegistryCache): Promise<RegistryIds> {
  const ids = emptyRegistryIds();
  await ensureOrgs(db, recognised, cache, ids);
  await ensureDocOutlets(db, recognised, cache, ids);
  await ensureDocRegisters(db, recognised, cache, ids);
  return ids;
}

/**
 * Before the batch's transaction, on the database itself: the rows the cache lacks, each statement committed on its own,
 * then remembered — so the transaction, and the next batch in flight, find them all cached.
 */
export async function ensureRegistryRows(db: Kysely<Database>, docs: readonly RegistrySubject[], cache: RegistryCache): Promise<void> {
  // Remembered at once: only rows committed already may be, so never inside a transaction.
  if (db.isTransaction) throw new Error('ensureRegistryRows runs on the database, not in a transaction: it caches what it wrote at once');
  cache.remember(await ensureRows(db, recognisedOf(docs), cache));
}

/**
 * In the batch's transaction: the ids of the rows `docs` name (made sure of again: normally all cached by
 * ensureRegistryRows), and what registration reports complete — applications and prepared registers.
 */
export async function ensureRegistry(trx: Transaction<Database>, docs: readonly RegistrySubject[], cache: RegistryCache): Promise<RegistryIds> {
  const recognised = recognisedOf(docs);
  const ids = await ensureRows(trx, recognised, cache);
  // KKT registration applications waiting for this batch's registration reports (issue 18), in the same transaction.
  await completeRegistrations(trx, registrationReportsOf(recognised));
  // Registers prepared by serial and FN before their РНМ (issue 16) meet their registration reports.
  for (const d of recognised) {
    const facts = registrationFacts(d.fields, d.kktRegId === null ? undefined : ids.registers.get(d.kktRegId));
    if (facts) await matchPreparedRegister(trx, facts);
  }
  return ids;
}
