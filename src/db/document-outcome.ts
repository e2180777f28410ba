// How a stored document's verification and ФЛК outcome is read (migration 0077): documents.sign_status, flk_status and
// flk_codes may be null, null standing for the usual outcome — verified, passed, no codes — which is then not spelt out
// in every row. Every reader goes through these (or their SQL twins below), whichever release wrote the row.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { FlkStatus, SignStatus } from './tables/documents.js';

export function signStatusOf(stored: SignStatus | null): SignStatus {
  return stored ?? 'verified';
}

export function flkStatusOf(stored: FlkStatus | null): FlkStatus {
  return stored ?? 'passed';
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
