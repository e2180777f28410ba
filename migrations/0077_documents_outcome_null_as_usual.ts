// documents.sign_status, flk_status and flk_codes may be null from now on, null standing for the usual outcome:
// 'verified', 'passed', no codes (issue 12 target 4, disk per receipt).
//
// Why: nearly every document is verified and passes ФЛК, and each row still spends ≈ 29 bytes saying so: 'verified'
// (9 bytes), 'passed' (7) and an empty text[] (13). A null costs one bit of the row's null bitmap, which every row of
// the table has anyway.
//
// So that every process of the previous release keeps working during an upgrade (docs/operations.md, Upgrades), this
// release drops the NOT NULLs and reads null as the usual outcome everywhere (src/db/document-outcome.ts), but writes
// null only with OFD_STORE_USUAL_AS_NULL, off by default (src/workers/persist/usual-as-null.ts). Filters stay right either way: = 'failed' and
// = 'unverified' find the unusual rows (the partial index of 0015 is on flk_status = 'failed'), and the usual ones are
// matched with `is distinct from`.
//
// Dropping NOT NULL changes only the catalogue (no row is read or written); it locks documents for that moment.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table documents
      alter column sign_status drop not null,
      alter column flk_status drop not null,
      alter column flk_codes drop not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update documents
       set sign_status = coalesce(sign_status, 'verified'), flk_status = coalesce(flk_status, 'passed'),
           flk_codes = coalesce(flk_codes, '{}')
     where sign_status is null or flk_status is null or flk_codes is null
  `.execute(db);
  await sql`
    alter table documents
      alter column sign_status set not null,
      alter column flk_status set not null,
      alter column flk_codes set not null
  `.execute(db);
}
