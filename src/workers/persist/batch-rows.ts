/**
 * The rows the persist transaction writes for a batch, built from the prepared documents and their registry ids (no I/O):
 * document rows, shift totals, report rollups, and the copies not stored (evidence of conflicting bytes).
 */
import { flkCodesLiteral, type BatchDocument, type BatchDocumentRow, type ShiftTotalsDelta } from '../../db/document-batch.repository.js';
import type { UnstoredCopy } from '../../db/document-conflicts.repository.js';
import { itemNameIdOf, type ItemNameIds } from '../../db/item-name-dictionary.js';
import type { RollupDocument } from '../../db/rollups.repository.js';
import type { Prepared, PreparedPacked } from './prepare.js';
import { documentRegistryIds, type RegistryIds } from './registry.js';
import { withUsualAsNull } from './usual-as-null.js';

export function unstoredCopy(d: Prepared): UnstoredCopy {
  const { job } = d;
  return {
    fn: job.fn,
    fd: job.fd,
    raw: d.raw,
    sessionHeader: job.sessionHeader === undefined ? null : Buffer.from(job.sessionHeader, 'base64'),
    receivedAt: job.receivedAt,
    signStatus: job.signStatus,
    crypto: job.crypto,
  };
}

export function compareDocs(a: Prepared, b: Prepared): number {
  if (a.job.fn !== b.job.fn) return a.job.fn < b.job.fn ? -1 : 1;
  return a.job.fd - b.job.fd;
}

/** `usualAsNull`: store the usual values as null (OFD_STORE_USUAL_AS_NULL, usual-as-null.ts). */
export function batchDocument(d: PreparedPacked, ids: RegistryIds, usualAsNull = false): BatchDocument {
  const { job, derived } = d;
  const { outletId, registerId } = documentRegistryIds(ids, { fields: derived.fields, kktRegId: derived.columns.kkt_reg_id });
  const row: BatchDocumentRow = {
    fn: job.fn,
    fd: job.fd,
    received_at: job.receivedAt,
    form: derived.form,
    register_id: registerId,
    outlet_id: outletId,
    ...derived.columns,
    sign_status: job.signStatus,
    flk_status: job.flk.ok ? 'passed' : 'failed',
    flk_codes: flkCodesLiteral(job.flk.codes),
    // Written only for an ack actually written to the register, by the acks worker, in document_acks (issue 13).
    ack_code: null,
    crypto: job.crypto,
    derived: derived.fields !== undefined,
  };
  return {
    row: usualAsNull ? withUsualAsNull(row) : row,
    raw: d.packed,
    items: derived.items,
    codes: derived.codes,
  };
}

/** Running totals of the receipts newly stored, one delta per (fn, shift). */
export function shiftDeltas(fresh: readonly Prepared[], ids: RegistryIds): ShiftTotalsDelta[] {
  const totals = new Map<string, { fn: string; shift: string | number; registerId: number | null; receipts: number; sums: [bigint, bigint, bigint, bigint] }>();
  for (const d of fresh) {
    const c = d.derived.shiftContribution;
    if (!c) continue;
    const k = `${d.job.fn}:${c.shift}`;
    let t = totals.get(k);
    if (!t) {
      const registerId = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id }).registerId;
      t = { fn: d.job.fn, shift: c.shift, registerId, receipts: 0, sums: [0n, 0n, 0n, 0n] };
      totals.set(k, t);
    }
    t.receipts += 1;
    // 1054 operationType: 1 sell, 2 sell return, 3 buy, 4 buy return.
    if (c.operationType !== null && c.operationType >= 1 && c.operationType <= 4) t.sums[c.operationType - 1]! += c.totalSum;
  }
  const sum = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());
  return [...totals.values()].map((t) => ({
    fn: t.fn,
    shift_number: t.shift,
    register_id: t.registerId,
    received_receipts: t.receipts,
    sell_total_sum: sum(t.sums[0]),
    sell_return_total_sum: sum(t.sums[1]),
    buy_total_sum: sum(t.sums[2]),
    buy_return_total_sum: sum(t.sums[3]),
  }));
}

/**
 * A newly stored document as the report rollups count it: the values just written, nothing read back; its items by the
 * name ids resolved for the batch (`nameIds`, ItemNameDictionary.idsOf).
 */
export function rollupDocument(d: Prepared, ids: RegistryIds, nameIds: ItemNameIds): RollupDocument {
  const { orgId, outletId, registerId } = documentRegistryIds(ids, { fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id });
  const c = d.derived.columns;
  return {
    row: {
      form: d.derived.form,
      date_time: c.date_time,
      organization_id: orgId,
      outlet_id: outletId,
      register_id: registerId,
      operation_type: c.operation_type,
      total_sum: c.total_sum,
      cash_sum: c.cash_total_sum,
      ecash_sum: c.ecash_total_sum,
      prepaid_sum: c.prepaid_sum,
      credit_sum: c.credit_sum,
      provision_sum: c.provision_sum,
      ...d.derived.reportMeasures,
    },
    items: d.derived.items.map((i) => ({ nameId: itemNameIdOf(nameIds, c.user_inn, i.name) ?? 0, quantity: i.quantity, sum: i.sum })),
  };
}
