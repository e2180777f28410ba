// The documents list over several INNs (an organization set, an export of several organizations) is asked INN by INN
// and merged in the list's order: it must give exactly the rows and the order of one plain ordered query over all of
// them, page after page through the cursor, received_at ties included.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/db/api-documents.repository.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { receiptPages } from '../../../src/exports/receipt-rows.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const INNS = ['7700000018', '7701000017', '7702000016'];
const RECEIPTS = 3000;
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureDocumentPartitions(t.db);
  // Receipt k: INN k % 3, FN k % 7, received at second k / 4 (four receipts share each instant: ties across INNs and FNs).
  const fn = sql`'99990789000000' || lpad((k % 7 + 1)::text, 2, '0')`;
  const at = sql`date_trunc('month', now()) + make_interval(secs => k / 4)`;
  await sql`insert into document_keys (fn, fd, received_at) select ${fn}, k + 1, ${at} from generate_series(0, ${RECEIPTS} - 1) k`.execute(t.db);
  await sql`insert into documents (fn, fd, received_at, form, ffd_version, date_time, kkt_reg_id, user_inn, shift_number, request_number,
              operation_type, total_sum, raw_container, sign_status, flk_status)
            select ${fn}, k + 1, ${at}, 3, 2, '2024-06-01'::timestamp + make_interval(secs => k), '0000000000000001',
                   (${INNS}::text[])[k % 3 + 1], 1, k + 1, 1, 1000 + k, '\\x00'::bytea, 'verified', 'passed'
              from generate_series(0, ${RECEIPTS} - 1) k`.execute(t.db);
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

/** The expected order, by one query that knows nothing of the merge. */
async function plain(inns: string[]): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select fn || ':' || fd as key from documents where user_inn = any(${inns}::text[]) order by received_at desc, fn desc, fd desc`.execute(t.db);
  return rows.map((r) => r.key);
}

describe('listDocuments over several INNs', () => {
  for (const [label, inns] of [['two INNs', INNS.slice(0, 2)], ['three INNs', INNS]] as const) {
    for (const limit of [13, 50, 2000]) {
      it(`${label}, pages of ${limit}: the rows and order of one plain query, to the end`, async () => {
        const expected = await plain([...inns]);
        const got: string[] = [];
        let after: { receivedAt: Date; fn: string; fd: number } | undefined;
        for (let pages = 0; pages < 5000; pages++) {
          const page = await listDocuments(t.db, { inns: [...inns], limit, ...(after ? { after } : {}) });
          got.push(...page.map((d) => `${d.fn}:${d.fd}`));
          const last = page.at(-1);
          if (page.length < limit || !last) break;
          after = { receivedAt: last.received_at, fn: last.fn, fd: Number(last.fd) };
        }
        expect(got).toEqual(expected);
      });
    }
  }

  for (const pageSize of [13, 2000]) {
    it(`the export's pages (each INN read once, merged), pages of ${pageSize}: the rows and order of one plain query`, async () => {
      const got: string[] = [];
      const sizes: number[] = [];
      for await (const page of receiptPages(t.db, { inns: [...INNS] }, pageSize)) {
        sizes.push(page.length);
        got.push(...page.map((d) => `${d.fn}:${d.fd}`));
      }
      expect(got).toEqual(await plain([...INNS]));
      expect(sizes.slice(0, -1).every((n) => n === pageSize)).toBe(true);
    });
  }
});
