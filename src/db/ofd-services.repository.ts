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
