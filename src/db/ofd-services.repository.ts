// OFD service of registers (migration 0013): the last day each register is served under the operator's contract.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

/** register id → `YYYY-MM-DD`, for the registers that have a service end. */
export async function ofdServicesOf(db: Db, registerIds: readonly number[]): Promise<Map<number, string>> {
  if (registerIds.length === 0) return new Map();
  const { rows } = await sql<{ register_id: number; service_until: string }>`
    select register_id, service_until from ofd_services where register_id = any (${[...registerIds]}::bigint[])
  `.execute(db);
  return new Map(rows.map((r) => [r.register_id, r.service_until]));
}

/** Sets (or, with null, removes) a register's service end. */
export async function setOfdService(db: Db, registerId: number, serviceUntil: string | null): Promise<void> {
  if (serviceUntil === null) {
    await db.deleteFrom('ofd_services').where('register_id', '=', registerId).execute();
    return;
  }
  await db
    .insertInto('ofd_services')
    .values({ register_id: registerId, service_until: serviceUntil })
    .onConflict((oc) => oc.column('register_id').doUpdateSet((eb) => ({ service_until: eb.ref('excluded.service_until'), updated_at: sql<Date>`now()` })))
    .execute();
}
