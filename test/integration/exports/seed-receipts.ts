// Many receipts for one organization, written set-based (insert … select from generate_series) straight into the
// document tables: the export memory test needs hundreds of thousands, which the persist path would take minutes to store.
// Receipt k (0-based): total 1 000 + (k % 997) × 10 kopecks, a return when k % 10 = 9, one item "Товар <k % 50>" (its name only: the
// raw container is a stand-in, so an item export of these rows has no price, quantity or sum).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../src/db/database.js';

export async function seedReceipts(db: Kysely<Database>, inn: string, n: number): Promise<void> {
  await sql`
    insert into document_keys (fn, fd, received_at)
    select '9999078900018001', k + 1, date_trunc('month', now()) + make_interval(secs => k / 1000.0) from generate_series(0, ${n} - 1) k`.execute(db);
  await sql`
    insert into documents (fn, fd, received_at, form, ffd_version, date_time, kkt_reg_id, user_inn, shift_number, request_number,
      operation_type, total_sum, cash_total_sum, ecash_total_sum, prepaid_sum, credit_sum, provision_sum, raw_container,
      sign_status, flk_status, fiscal_sign, item_names)
    select '9999078900018001', k + 1, date_trunc('month', now()) + make_interval(secs => k / 1000.0), 3, 2,
      '2024-09-01T08:00:00'::timestamp + make_interval(secs => k), '0000000018001001', ${inn}, k / 1000 + 1, k % 1000 + 1,
      case when k % 10 = 9 then 2 else 1 end, 1000 + (k % 997) * 10, 1000 + (k % 997) * 10, 0, 0, 0, 0, '\\x00'::bytea,
      'verified', 'passed', 100000 + k,
      array['Товар ' || (k % 50)]
    from generate_series(0, ${n} - 1) k`.execute(db);
  await sql`analyze documents`.execute(db);
}
