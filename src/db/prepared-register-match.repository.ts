/**
 * Registers prepared before their РНМ (issue 16) meet their registration report: when a registration report (form 1
 * or 11: it carries the OFD's INN, 1017) names a KKT serial (1013) and an FN (1041), the prepared register with that
 * serial and FN of the organization whose INN (1018) the report carries is linked to the registers row the report made
 * (its РНМ, model and settings come from the report). A serial another organization prepared too is flagged
 * (`serial_claimed_elsewhere`), a serial prepared only by others is flagged (`inn_mismatch`), a serial whose FN
 * differs is flagged (`fn_mismatch`): never merged silently.
 *
 * Runs in the persist transaction (called by ensureRegistry, src/workers/persist/registry.ts), idempotent: linking again
 * changes nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';

/** A registration report's facts (src/workers/persist/prepared-register-match.ts reads them from the report). */
export interface RegistrationFacts {
  serial: string;
  fn: string;
  inn: string;
  registerId: number;
}

type Db = Kysely<Database> | Transaction<Database>;

export async function matchPreparedRegister(db: Db, r: RegistrationFacts): Promise<void> {
  const candidates = await db
    .selectFrom('prepared_registers as p')
    .innerJoin('organizations as o', 'o.id', 'p.organization_id')
    .select(['p.id', 'p.fn', 'p.register_id', 'o.inn'])
    .where('p.serial_number', '=', r.serial)
    .orderBy('p.id')
    .execute();
  if (candidates.length === 0) return;
  const own = candidates.find((c) => c.inn === r.inn);
  const others = candidates.filter((c) => c !== own && c.register_id !== r.registerId);
  const flag = async (ids: number[], conflict: string) => {
    if (ids.length === 0) return;
    await db
      .updateTable('prepared_registers')
      .set({ conflict, conflict_at: sql<Date>`coalesce(conflict_at, now())`, updated_at: sql<Date>`now()` })
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('conflict', 'is', null), eb('conflict', '<>', conflict)]))
      .execute();
  };
  if (own === undefined) {
    await flag(others.map((c) => c.id), 'inn_mismatch');
    return;
  }
  if (own.fn !== r.fn && own.register_id === null) {
    await flag([own.id], 'fn_mismatch');
    return;
  }
  await db
    .updateTable('prepared_registers')
    .set({ register_id: r.registerId, matched_at: sql<Date>`coalesce(matched_at, now())`, updated_at: sql<Date>`now()` })
    .where('id', '=', own.id)
    .where((eb) => eb.or([eb('register_id', 'is', null), eb('register_id', '<>', r.registerId)]))
    .execute();
  // The customer's outlet and organization, where the report left them empty.
  await db
    .updateTable('registers')
    .set({
      outlet_id: sql<number>`coalesce(registers.outlet_id, (select p.outlet_id from prepared_registers p where p.id = ${own.id}))`,
      organization_id: sql<number>`coalesce(registers.organization_id, (select p.organization_id from prepared_registers p where p.id = ${own.id}))`,
    })
    .where('id', '=', r.registerId)
    .execute();
  await flag(others.map((c) => c.id), 'serial_claimed_elsewhere');
  if (others.length > 0) await flag([own.id], 'serial_claimed_elsewhere');
}
