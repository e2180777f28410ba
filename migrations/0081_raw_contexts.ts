// A fiscal drive's documents packed with the drive's first receipt as context (issue 12 target 4, disk per receipt;
// src/db/raw-container.ts, codec 2; src/db/raw-contexts.ts).
//
// The raw container is the largest part of a documents row (≈ 360 bytes packed with dictionary v1 in `npm run
// bench:disk`). What is left after the dictionary is mostly what one drive's documents repeat and no global
// dictionary can know: the FN and registration numbers, the INN, the address and place, the cashier, the shop's item
// names. Packed with the drive's first receipt appended to the dictionary, a container takes ≈ 225 bytes.
//
// raw_contexts holds that receipt once per drive (packed with the dictionary alone, never with a context), named by
// the first 8 bytes of its SHA-256: a codec-2 raw_container starts with that key. Content-addressed, so a process can
// cache contexts across databases and a damaged row is detected. The receipt's own documents row (raw_contexts.fd) is
// stored without the context: a copy of its own, from which the row can be checked or rebuilt. Rows are never updated
// nor deleted (retention keeps them: ≈ 0.5 KB per drive). The persist worker writes a drive's row, committed on its
// own, before the first batch that packs with it.
//
// documents.raw_codec may now be 2. The check is replaced NOT VALID: existing rows (null or 1) are not scanned, and
// every partition created from now on gets it validated (it is empty). A month detached from documents (the retention
// flow) is a table of its own: its check is replaced too, or it could not be attached again. Replacing the check locks
// documents for a moment, after the queries already running on it (docs/operations.md, Upgrades).
//
// Going down repacks every codec-2 container with the dictionary alone (codec 1), byte for byte the same container
// (each checked), partition by partition and in the detached months, so the release before reads them all; then it
// drops raw_contexts. It runs in the migration's one transaction: writers and row lockers wait from the start (stop
// the workers and any `ofd reprocess` first), readers of documents from when the checks are replaced at the end. It
// rewrites every codec-2 row (a dead version each until VACUUM, and as much WAL) and reads each partition twice (the
// repacking along the primary key, then a check that none is left): ≈ 0.1 ms per container.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
// Frozen as well: a dictionary rows were packed with never changes (src/db/raw-container.ts).
import { RAW_DICTIONARY_V1 } from '../src/db/raw-dictionaries/v1.js';

/** Months detached from documents (src/db/partition-retention.ts): tables of their own, with their own check. */
async function detachedMonths(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname ~ '^documents_p[0-9]{6}$'
       and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)`.execute(db);
  return rows.map((r) => r.name);
}

async function replaceCheck(db: Kysely<unknown>, table: string, codecs: string): Promise<void> {
  await sql`alter table ${sql.table(table)} drop constraint if exists documents_raw_codec_check`.execute(db);
  await sql`alter table ${sql.table(table)} add constraint documents_raw_codec_check check (raw_codec in (${sql.raw(codecs)})) not valid`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table raw_contexts (
      key bigint primary key,
      fn text collate "C" not null unique,
      -- the document the context is: its row in documents is stored without a context
      fd bigint not null,
      container bytea not null,
      -- packed with a dictionary alone (null: as received), never with a context
      raw_codec smallint check (raw_codec <> 2),
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await replaceCheck(db, 'documents', '1, 2');
  for (const month of await detachedMonths(db)) await replaceCheck(db, month, '1, 2');
}

const KEY_BYTES = 8;
const REPACK_BATCH = 1000;
/** Contexts kept in memory while repacking (≈ 9 KB each with the dictionary): a partition's drives, mostly. */
const CONTEXTS_KEPT = 5000;

interface PackedRow {
  fn: string;
  fd: string;
  received_at: Date;
  raw_container: Buffer;
}

/** The dictionary followed by each context named, read (and checked against its key) as needed. */
function contextDictionaries(db: Kysely<unknown>, dictionary: Buffer) {
  const kept = new Map<bigint, Buffer>();
  return async (keys: readonly bigint[]): Promise<Map<bigint, Buffer>> => {
    const named = [...new Set(keys)];
    let missing = named.filter((k) => !kept.has(k));
    if (missing.length > 0) {
      // Full: start over with this batch's contexts only (all of them, those kept before included).
      if (kept.size + missing.length > CONTEXTS_KEPT) {
        kept.clear();
        missing = named;
      }
      const { rows } = await sql<{ key: string; container: Buffer; raw_codec: number | null }>`
        select key::text as key, container, raw_codec from raw_contexts where key = any(${missing.map(String)}::bigint[])`.execute(db);
      for (const c of rows) {
        const container = c.raw_codec === null ? c.container : inflateRawSync(c.container, { dictionary });
        if (createHash('sha256').update(container).digest().readBigInt64BE(0) !== BigInt(c.key)) {
          throw new Error(`raw_contexts row ${c.key} does not hash to its key: its container is damaged; nothing was repacked`);
        }
        kept.set(BigInt(c.key), Buffer.concat([dictionary, container]));
      }
    }
    return kept;
  };
}

/** Repacks `table`'s codec-2 containers with the dictionary alone, REPACK_BATCH rows at a time in key order. */
async function repack(db: Kysely<unknown>, table: string, dictionary: Buffer, contexts: ReturnType<typeof contextDictionaries>): Promise<void> {
  let after: PackedRow | undefined;
  for (;;) {
    const { rows }: { rows: PackedRow[] } = await sql<PackedRow>`
      select fn, fd::text as fd, received_at, raw_container from ${sql.table(table)}
      where raw_codec = 2 ${after ? sql`and (fn, fd, received_at) > (${after.fn}, ${after.fd}::bigint, ${after.received_at})` : sql``}
      order by fn, fd, received_at limit ${REPACK_BATCH}`.execute(db);
    if (rows.length === 0) return;
    const known = await contexts(rows.map((r) => r.raw_container.readBigInt64BE(0)));
    const repacked = rows.map((r) => {
      const withContext = known.get(r.raw_container.readBigInt64BE(0));
      if (!withContext) throw new Error(`document (${r.fn}, ${r.fd}) names raw context ${r.raw_container.readBigInt64BE(0)}, which raw_contexts does not hold; nothing was repacked`);
      const raw = inflateRawSync(r.raw_container.subarray(KEY_BYTES), { dictionary: withContext });
      const packed = deflateRawSync(raw, { level: 6, dictionary });
      if (!inflateRawSync(packed, { dictionary }).equals(raw)) throw new Error(`document (${r.fn}, ${r.fd}) does not repack to the same bytes; nothing was repacked`);
      return packed.length < raw.length ? { bytes: packed, codec: 1 } : { bytes: raw, codec: null };
    });
    await sql`
      update ${sql.table(table)} d set raw_container = v.raw_container, raw_codec = v.raw_codec
      from unnest(${rows.map((r) => r.fn)}::text[], ${rows.map((r) => r.fd)}::bigint[], ${rows.map((r) => r.received_at)}::timestamptz[],
        ${repacked.map((p) => p.bytes)}::bytea[], ${repacked.map((p) => p.codec)}::smallint[]) as v(fn, fd, received_at, raw_container, raw_codec)
      where d.fn = v.fn and d.fd = v.fd and d.received_at = v.received_at`.execute(db);
    after = rows[rows.length - 1];
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const dictionary = Buffer.from(RAW_DICTIONARY_V1, 'base64');
  // First the locks, raw_contexts first: a persist batch that has read it (its confirm) commits before this goes on,
  // and none starts after. Then documents EXCLUSIVE: plain reads go on; writers, row lockers (ofd reprocess) and a
  // detach wait for the commit — so no codec-2 container or context is added behind the repacking, no month is
  // detached between listing the detached ones and repacking them, and nothing holds a row this needs.
  await sql`lock table raw_contexts in access exclusive mode`.execute(db);
  await sql`lock table documents in exclusive mode`.execute(db);
  const { rows: attached } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'documents'::regclass order by 1`.execute(db);
  const tables = [...attached.map((a) => a.name), ...(await detachedMonths(db))];
  const contexts = contextDictionaries(db, dictionary);
  // Partition by partition: each is read once along its primary key.
  for (const table of tables) await repack(db, table, dictionary, contexts);
  for (const table of tables) {
    const { rows } = await sql<{ left: boolean }>`select exists (select 1 from ${sql.table(table)} where raw_codec = 2) as left`.execute(db);
    if (rows[0]?.left) throw new Error(`${table} still holds raw containers packed with a context; nothing was repacked`);
  }
  await replaceCheck(db, 'documents', '1');
  for (const month of await detachedMonths(db)) await replaceCheck(db, month, '1');
  await sql`drop table raw_contexts`.execute(db);
}
