// Shifts for the cabinet API. A shift belongs to the organization whose INN the documents of its register carry
// (register_document_owners of shifts.register_id, else of the FN's register) — never to whoever claimed the register
// by its number (issue 13, item 5); shifts of a register with no known owner are the operator's to see.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Shift } from './tables/registry.js';

type Db = Kysely<Database>;

export type ShiftRow = Shift & { effective_register_id: number | null; organization_id: number | null };

export interface ShiftListQuery {
  scope: 'all' | readonly number[];
  /** A membership limited to outlets or registers (auth/access-scope.ts): rows outside it are left out. */
  placeLimit?: RawBuilder<boolean> | undefined;
  organizationId?: number | undefined;
  registerId?: number | undefined;
  fn?: string | undefined;
  /** true: closed only (a closeShift report arrived); false: open only. */
  closed?: boolean | undefined;
  /** Opening time (local), inclusive bounds. */
  openedFrom?: string | undefined;
  openedTo?: string | undefined;
  after?: { fn: string; shiftNumber: number } | undefined;
  limit: number;
}

function shiftQuery(db: Db) {
  return db
    .selectFrom('shifts as s')
    .leftJoin('fiscal_drives as d', 'd.fn', 's.fn')
    .leftJoin('register_document_owners as ro', (join) => join.on(sql`ro.register_id`, '=', sql`coalesce(s.register_id, d.register_id)`))
    .selectAll('s')
    .select([sql<number | null>`coalesce(s.register_id, d.register_id)`.as('effective_register_id'), 'ro.organization_id']);
}

/** Ordered by FN, then newest shift first. */
export async function listShifts(db: Db, q: ShiftListQuery): Promise<ShiftRow[]> {
  if (q.scope !== 'all' && q.scope.length === 0) return [];
  let query = shiftQuery(db).orderBy('s.fn').orderBy('s.shift_number', 'desc').limit(q.limit);
  if (q.scope !== 'all') query = query.where('ro.organization_id', 'in', [...q.scope]);
  if (q.placeLimit) query = query.where(q.placeLimit);
  if (q.organizationId !== undefined) query = query.where('ro.organization_id', '=', q.organizationId);
  if (q.registerId !== undefined) query = query.where(sql`coalesce(s.register_id, d.register_id)`, '=', q.registerId);
  if (q.fn !== undefined) query = query.where('s.fn', '=', q.fn);
  if (q.closed === true) query = query.where('s.close_fd', 'is not', null);
  if (q.closed === false) query = query.where('s.close_fd', 'is', null);
  if (q.openedFrom !== undefined) query = query.where('s.opened_at', '>=', q.openedFrom);
  if (q.openedTo !== undefined) query = query.where('s.opened_at', '<=', q.openedTo);
  if (q.after !== undefined) {
    const a = q.after;
    query = query.where((eb) => eb.or([eb('s.fn', '>', a.fn), eb.and([eb('s.fn', '=', a.fn), eb('s.shift_number', '<', a.shiftNumber)])]));
  }
  return (await query.execute()) as ShiftRow[];
}

export async function findShift(db: Db, fn: string, shiftNumber: number): Promise<ShiftRow | undefined> {
  return (await shiftQuery(db).where('s.fn', '=', fn).where('s.shift_number', '=', shiftNumber).executeTakeFirst()) as ShiftRow | undefined;
}

/** At most this many missing FD numbers are listed for one shift (a shift of a lost FN could miss thousands). */
export const MISSING_FDS_LISTED = 500;

/**
 * FD numbers between a shift's opening and closing reports that never arrived: the documents the Z-report counts and
 * the operator lacks. FD numbers are consecutive per FN, so a hole is a missing document.
 */
export async function missingFdsOfShift(db: Db, fn: string, openFd: number, closeFd: number): Promise<number[]> {
  if (closeFd - openFd < 2) return [];
  const rows = await sql<{ fd: number }>`
    select s.fd::int8 as fd
      from generate_series(${openFd + 1}::int8, ${closeFd - 1}::int8) as s(fd)
     where not exists (select 1 from document_keys k where k.fn = ${fn} and k.fd = s.fd)
     order by s.fd
     limit ${MISSING_FDS_LISTED}`.execute(db);
  return rows.rows.map((r) => Number(r.fd));
}
