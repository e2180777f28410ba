// How a stored document's verification and ФЛК outcome is read (migration 0077): documents.sign_status, flk_status and
// flk_codes may be null, null standing for the usual outcome — verified, passed, no codes — which is then not spelt out
// in every row. Every reader goes through these (or their SQL twins below), whichever release wrote the row.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { FlkStatus, SignStatus } from './tables/documents.js';

/** The outcome a null stands for (and which OFD_STORE_USUAL_AS_NULL stores as null: workers/persist/usual-as-null.ts). */
export const USUAL_SIGN_STATUS: SignStatus = 'verified';
export const USUAL_FLK_STATUS: FlkStatus = 'passed';

export function signStatusOf(stored: SignStatus | null): SignStatus {
  return stored ?? USUAL_SIGN_STATUS;
}

export function flkStatusOf(stored: FlkStatus | null): FlkStatus {
  return stored ?? USUAL_FLK_STATUS;
}

export function flkCodesOf(stored: readonly string[] | null): string[] {
  return stored === null ? [] : [...stored];
}

/**
 * The filter on a ФЛК outcome, for a query over `documents` (or an alias of it): 'failed' is the stored value (the
 * partial index of migration 0015 serves it); 'passed' is anything else, null included.
 */
export function flkStatusIs(status: FlkStatus, table = 'documents'): RawBuilder<SqlBool> {
  const column = sql.ref(`${table}.flk_status`);
  return status === 'failed' ? sql<SqlBool>`${column} = 'failed'` : sql<SqlBool>`${column} is distinct from 'failed'`;
}
