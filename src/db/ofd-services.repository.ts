// OFD service of registers (migration 0013): the last day each register is served under the operator's contract.
import { sql, type Kysely, type RawBuilder } from 'kysely';
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

export interface ServiceEndingQuery {
  /** The last day (`YYYY-MM-DD`) a service may end on to be listed. */
  lastDay: string;
  scope: 'all' | readonly number[];
  /** A membership limited to outlets or registers (auth/access-scope.ts): registers outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  organizationId?: number | undefined;
  limit: number;
}

export interface ServiceEndingRow {
  id: number;
  registration_number: string;
  organization_id: number | null;
  service_until: string;
  /** All such registers, however many rows came back. */
  total: number;
}

/** Registers (not deregistered) whose service ends by `lastDay`, soonest first. Table alias `r` for `placeLimit`. */
export async function registersWithServiceEnding(db: Db, q: ServiceEndingQuery): Promise<ServiceEndingRow[]> {
  const { rows } = await sql<ServiceEndingRow>`
    select r.id, r.registration_number, r.organization_id, s.service_until, count(*) over ()::int as total
      from registers r join ofd_services s on s.register_id = r.id
     where s.service_until <= ${q.lastDay}::date
       and r.status <> 'deregistered'
       ${q.scope === 'all' ? sql`` : sql`and r.organization_id = any (${q.scope}::bigint[])`}
       ${q.placeLimit ? sql`and ${q.placeLimit}` : sql``}
       ${q.organizationId === undefined ? sql`` : sql`and r.organization_id = ${q.organizationId}`}
     order by s.service_until, r.id
     limit ${q.limit}
  `.execute(db);
  return rows;
}
