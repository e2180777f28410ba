/**
 * Reading the stored copy of (fn, fd) by its received_at, the partition key — every reader of one document's row (the
 * API's, the crpt and e-receipt workers'). With a hint (a forwarding job's, src/queue/received-at-hint.ts) the read runs
 * with it first; without one, or when the hint names no stored copy, document_keys gives the stored copy's
 * received_at and the read runs with that. Every read names the partition key as a constant, so PostgreSQL
 * plans one partition, not every month's.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export async function readStoredCopy<T>(
  db: Kysely<Database>,
  fn: string,
  fd: number,
  hint: Date | undefined,
  read: (receivedAt: Date) => Promise<T | undefined>,
): Promise<T | undefined> {
  const hinted = hint ? await read(hint) : undefined;
  if (hinted !== undefined) return hinted;
  const key = await db.selectFrom('document_keys').select('received_at').where('fn', '=', fn).where('fd', '=', fd).executeTakeFirst();
  // The hint named this very copy and found nothing: no second read.
  if (!key || (hint && key.received_at.getTime() === hint.getTime())) return undefined;
  return read(key.received_at);
}
