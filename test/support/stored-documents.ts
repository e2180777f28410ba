// Test fixture: stores documents once per (fn, fd) the plain way (document_keys first, then documents) and reads them
// back. The production write path is the persist worker's batch insert (src/db/document-batch.repository.ts).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { DocumentRow, NewDocumentRow } from '../../src/db/tables/documents.js';

/** Rows per INSERT statement: ~30 columns each keeps a statement far below PostgreSQL's 65 535 parameters. */
const CHUNK = 500;

const keyOf = (fn: string, fd: number | bigint | string): string => `${fn}:${BigInt(fd)}`;

function compareKeys(a: NewDocumentRow, b: NewDocumentRow): number {
  if (a.fn !== b.fn) return a.fn < b.fn ? -1 : 1;
  const fa = BigInt(a.fd);
  const fb = BigInt(b.fd);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Stores each document whose (fn, fd) is not stored yet, in one transaction (the caller's, when given one). Returns the
 * rows actually inserted; copies of stored documents, and later copies within `rows`, are skipped.
 *
 * The (fn, fd) registry `document_keys` is written first with `on conflict do nothing`: a concurrent transaction
 * inserting the same key waits for this one and then skips it. Rows are taken in (fn, fd) order so that two batches
 * sharing keys lock them in the same order and cannot deadlock.
 */
export async function insertDocuments(
  db: Kysely<Database> | Transaction<Database>,
  rows: readonly NewDocumentRow[],
): Promise<NewDocumentRow[]> {
  if (rows.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => insertDocuments(trx, rows));

  const unique = new Map<string, NewDocumentRow>();
  for (const row of rows) {
    const key = keyOf(row.fn, row.fd);
    if (!unique.has(key)) unique.set(key, row);
  }
  const ordered = [...unique.values()].sort(compareKeys);

  const inserted: NewDocumentRow[] = [];
  for (const chunk of chunks(ordered, CHUNK)) {
    const claimed = await db
      .insertInto('document_keys')
      .values(chunk.map(({ fn, fd, received_at }) => ({ fn, fd, received_at })))
      .onConflict((oc) => oc.columns(['fn', 'fd']).doNothing())
      .returning(['fn', 'fd'])
      .execute();
    if (claimed.length === 0) continue;
    const claimedKeys = new Set(claimed.map((k) => keyOf(k.fn, k.fd)));
    const fresh = chunk.filter((row) => claimedKeys.has(keyOf(row.fn, row.fd)));
    await db.insertInto('documents').values(fresh).execute();
    inserted.push(...fresh);
  }
  return inserted;
}

/** The stored document (fn, fd), or undefined. Reads one partition: document_keys says which. */
export async function findDocument(
  db: Kysely<Database>,
  fn: string,
  fd: number,
): Promise<DocumentRow | undefined> {
  const key = await db
    .selectFrom('document_keys')
    .select('received_at')
    .where('fn', '=', fn)
    .where('fd', '=', fd)
    .executeTakeFirst();
  if (key === undefined) return undefined;
  return db
    .selectFrom('documents')
    .selectAll()
    .where('fn', '=', fn)
    .where('fd', '=', fd)
    .where('received_at', '=', key.received_at)
    .executeTakeFirst();
}
