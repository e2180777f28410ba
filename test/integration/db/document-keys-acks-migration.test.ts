// Migration 0078 lets a key row hold the ack that came before its document. Going down must not lose those acks: the
// release before reads acks from document_acks only, so they are written back there; acks already there stay as
// they are, unless a later copy of one raced it there (the first ack written is the one kept). Rows are read back from
// PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordWrittenAcks } from '../../../src/db/document-acks.repository.js';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from '../workers/worker-test-helpers.js';

const FN = '9999078902019078';
let t: TestDatabase;


beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const acksTable = async () =>
  (await sql<{ fd: string; acked_at: Date; ack_code: number }>`select fd::text, acked_at, ack_code from document_acks where fn = ${FN}::bigint order by fd`.execute(t.db)).rows;

it('going down writes the acks held by key rows back into document_acks; going up again reads them there', async () => {
  const first = Date.parse('2026-12-06T09:00:00.250Z');
  const later = Date.parse('2026-12-06T09:00:07.500Z');
  // FD 1: its ack came first and went into its key row; FD 2: its ack came after and stayed in document_acks.
  await recordWrittenAcks(t.db, [{ fn: FN, fd: 1, code: 14, at: first }]);
  await createPersistProcessor({ db: t.db, logger: silentLogger() })([realJob(FN, 1), realJob(FN, 2)]);
  await recordWrittenAcks(t.db, [{ fn: FN, fd: 2, code: 0, at: later }]);
  expect(await acksTable()).toEqual([{ fd: '2', acked_at: new Date(later), ack_code: 0 }]);
  // A report of FD 1 run again that raced the persist batch: a later copy in document_acks, which readers pass over.
  await sql`insert into document_acks (fn, fd, acked_at, ack_code) values (${FN}::bigint, 1, ${new Date(later + 1000)}, 0)`.execute(t.db);

  await migrateDown(t.db, stepsBack('0078_document_keys_acks'));
  const { rows: columns } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns where table_name = 'document_keys' and column_name in ('acked_at', 'ack_code')`.execute(t.db);
  expect(columns[0]!.n).toBe(0);
  expect(await acksTable()).toEqual([
    { fd: '1', acked_at: new Date(first), ack_code: 14 },
    { fd: '2', acked_at: new Date(later), ack_code: 0 },
  ]);

  await migrateToLatest(t.db);
  const { rows: keys } = await sql<{ n: number }>`select count(*)::int as n from document_keys where fn = ${FN} and acked_at is not null`.execute(t.db);
  expect(keys[0]!.n).toBe(0);
});

it('a key row holds both halves of an ack or neither', async () => {
  await createPersistProcessor({ db: t.db, logger: silentLogger() })([realJob(FN, 3)]);
  const half = await sql`update document_keys set acked_at = now() where fn = ${FN} and fd = 3`.execute(t.db).catch((e: unknown) => e);
  expect(half).toMatchObject({ code: '23514', constraint: 'document_keys_ack_check' });
});
