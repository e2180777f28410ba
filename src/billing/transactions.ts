/**
 * Runs a billing operation in one PostgreSQL transaction, again from the start when PostgreSQL aborted it for a
 * deadlock or a serialization failure (ledger_post_batch raises 40001 when a concurrent session posted one of its
 * keys first): the retry then finds that key and answers as a replay. Ledger refusals become BillingErrors.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { BillingError } from './errors.js';
import { LedgerError } from '../domain/ledger.js';

const RETRYABLE_SQLSTATE = new Set(['40P01', '40001']);

export async function inBillingTransaction<T>(db: Kysely<Database>, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (e) {
      if (e instanceof LedgerError && (e.code === 'INSUFFICIENT_FUNDS' || e.code === 'IDEMPOTENCY_KEY_REUSED')) {
        throw new BillingError(e.code, e.message);
      }
      const code = (e as { code?: unknown }).code;
      if (attempt >= 5 || typeof code !== 'string' || !RETRYABLE_SQLSTATE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}
