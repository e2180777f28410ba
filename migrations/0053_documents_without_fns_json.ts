// Documents stop storing their FNS JSON (issue 12, decision "no stored copy of what the raw bytes say").
//
// Why: `fns_json` was ≈ 2–3 KB per receipt (TOASTed, lz4) beside a raw container of ≈ 0.6–0.9 KB that says the same.
// Every reader now derives the JSON from raw_container (src/db/fns-json.ts; a decode is ≈ 10 µs). What SQL itself
// filters or sums on, and used to dig out of the JSON with jsonpath, becomes a column of its own:
// - taxation_type (1055 appliedTaxationType): the documents list filter `taxationType` and the report rollups;
// - nds20_sum … nds10_110_sum (1102–1107 nds18, nds10, nds0, ndsNo, nds18118, nds10110): the report rollups when
//   `ofd reprocess` takes a document out and back in, and `rebuildRollups`;
// - buyer_contact (1008 buyerPhoneOrAddress, as written): search by a buyer's phone or e-mail.
// And crypto (the adapter that checked the signs: devsign, pkz, none): the documents row now tells the whole 'received'
// and 'persisted' lifecycle events (received_at, crypto, sign_status, flk_*, persisted_at, form), so the persist worker
// stops writing those two events (≈ 500 bytes per document with their index); readers compose them from the row.
// Events of rows stored before stay in document_events (crypto is null on those rows).
// A null column costs one bit of the row's null bitmap, so a receipt pays only for the values it has (usually
// taxation_type and one VAT total: ≈ 10 bytes).
//
// Existing rows: the new columns are filled from their stored JSON first (one pass over `documents`, in this
// migration's transaction; on a large installation run it in a maintenance window), then the column is dropped.
// DROP COLUMN does not rewrite the table: old rows keep their bytes until they are rewritten (VACUUM FULL, or the
// month's partition archived); new rows never carry them. Reading old rows needs nothing: the raw bytes are always there.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const VAT_COLUMNS: ReadonlyArray<readonly [column: string, field: string]> = [
  ['nds20_sum', 'nds18'],
  ['nds10_sum', 'nds10'],
  ['nds0_base', 'nds0'],
  ['nds_no_base', 'ndsNo'],
  ['nds20_120_sum', 'nds18118'],
  ['nds10_110_sum', 'nds10110'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table documents
      add column taxation_type smallint,
      ${sql.raw(VAT_COLUMNS.map(([c]) => `add column ${c} bigint`).join(',\n      '))},
      add column buyer_contact text,
      add column crypto text
  `.execute(db);
  // #>> '{}': the value as text, so a number and a decimal string (JSON's form of a value beyond 2^53) both cast.
  const first = (field: string, type: string) => `(jsonb_path_query_first(fns_json, '$.*.${field}') #>> '{}')::${type}`;
  await sql`
    update documents set
      taxation_type = ${sql.raw(first('appliedTaxationType', 'smallint'))},
      ${sql.raw(VAT_COLUMNS.map(([c, f]) => `${c} = ${first(f, 'bigint')}`).join(',\n      '))},
      buyer_contact = jsonb_path_query_first(fns_json, '$.*.buyerPhoneOrAddress') #>> '{}'
    where fns_json <> '{}'::jsonb
  `.execute(db);
  await sql`alter table documents drop column fns_json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The JSON of the rows stored meanwhile is not restored (derive it from raw_container: `ofd reprocess`).
  await sql`alter table documents add column fns_json jsonb not null default '{}'::jsonb`.execute(db);
  await sql`
    alter table documents drop column taxation_type,
      ${sql.raw(VAT_COLUMNS.map(([c]) => `drop column ${c}`).join(',\n      '))},
      drop column buyer_contact,
      drop column crypto
  `.execute(db);
}
