// A transaction left open after its first step, holding what it locked, until the test commits it: for tests of what
// waits behind a long reader or a writer half-way through its work.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../src/db/database.js';

type Step = (trx: Transaction<Database>) => Promise<unknown>;

export interface OpenTransaction {
  /** Runs `last` (if any) in the transaction, then commits it. */
  commit(last?: Step): Promise<void>;
}

/** Resolves once `first` has run in a new transaction, which stays open until commit(). */
export async function openTransaction(db: Kysely<Database>, first: Step): Promise<OpenTransaction> {
  let started: () => void = () => {};
  const ready = new Promise<void>((resolve) => (started = resolve));
  let finish: (last: Step | undefined) => void = () => {};
  const finished = new Promise<Step | undefined>((resolve) => (finish = resolve));
  const transaction = db.transaction().execute(async (trx) => {
    await first(trx);
    started();
    const last = await finished;
    if (last) await last(trx);
  });
  await Promise.race([ready, transaction]);
  return {
    commit: async (last) => {
      finish(last);
      await transaction;
    },
  };
}
