// documents.raw_codec: how raw_container is packed (issue 12 target 4, disk per receipt; src/db/raw-container.ts).
//
// Why: the raw container is the largest part of a receipt's row (≈ 0.6–0.9 KB) and PostgreSQL never compresses a value
// that small (TOAST starts at ≈ 2 KB rows). The persist worker now stores it deflated with a preset dictionary of
// typical containers — lossless, ≈ 0.4 of its size — and says so in raw_codec: null = stored as received, 1 = deflate
// with dictionary v1. Readers unpack through one function (unpackRawContainer), so every row reads back byte for byte
// as the register sent it.
//
// Existing rows: nothing to convert. Their raw_codec is null (no default: adding the column rewrites nothing), which
// reads them as they are; they keep their bytes until their month's partition leaves the database.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table documents add column raw_codec smallint check (raw_codec in (1))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Packed rows would be unreadable without their codec: refuse rather than lose them.
  const { rows } = await sql<{ packed: boolean }>`select exists (select 1 from documents where raw_codec is not null) as packed`.execute(db);
  if (rows[0]?.packed) throw new Error('documents hold packed raw containers (raw_codec is not null): unpack them before migrating down');
  await sql`alter table documents drop column raw_codec`.execute(db);
}
