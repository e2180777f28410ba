// A settlement's payment sums as read from documents (issue 12 target 4, disk per receipt): 1031 cash
// (cash_total_sum), 1081 electronic (ecash_total_sum), 1215 prepaid, 1216 credit, 1217 provision. Most of them are 0 in
// any receipt — 3.9 of the 5 on average in the loadtest's mix, 8 bytes each — and OFD_STORE_USUAL_AS_NULL stores a 0 as
// null (workers/persist/usual-as-null.ts), which costs a bit of the null bitmap every row has anyway. A settlement always carries 1020 total_sum, so
// whatever release wrote the row: total_sum present → a null payment sum is 0; total_sum absent (not a settlement) → null.
// One consequence, taken knowingly: an FFD 1.0 receipt, which has no 1215–1217 at all, shows 0 for them rather than
// nothing (its FNS JSON, derived from the raw bytes, still has no such field).
// SQL aggregates need nothing (sum() skips nulls, `> 0` is false for them; the rollups take null as 0 already,
// rollups.repository.ts ZERO_WHEN_NULL); what shows or compares a row's sums (the list, its exports, reprocess's
// change check) reads them here.
import { sql, type RawBuilder } from 'kysely';

export const PAYMENT_SUM_COLUMNS = ['cash_total_sum', 'ecash_total_sum', 'prepaid_sum', 'credit_sum', 'provision_sum'] as const;
export type PaymentSumColumn = (typeof PAYMENT_SUM_COLUMNS)[number];

export function isPaymentSumColumn(name: string): name is PaymentSumColumn {
  return (PAYMENT_SUM_COLUMNS as readonly string[]).includes(name);
}

/** SQL text of `alias.column` as the settlement's sum (alias: a constant of ours, never input). */
export function paymentSumSql(alias: string, column: PaymentSumColumn): string {
  return `case when ${alias}.total_sum is null then ${alias}.${column} else coalesce(${alias}.${column}, 0) end`;
}

/** `table.column` as the settlement's sum: 0 where the row stores null for it and has a total_sum. */
export function paymentSum(table: string, column: PaymentSumColumn): RawBuilder<number | null> {
  return sql<number | null>`${sql.raw(paymentSumSql(table, column))}`;
}
