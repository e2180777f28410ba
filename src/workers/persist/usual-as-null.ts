/**
 * A document row as stored with its usual values left null (OFD_STORE_USUAL_AS_NULL; issue 12 target 4, disk per
 * receipt): verified, passed, no ФЛК codes (migration 0077), a settlement's payment sums that are 0, and a registration
 * number that is its register's — ≈ 77 bytes of a receipt's ≈ 720. Readers of every release since the one that added
 * this take null as those values (src/db/document-outcome.ts, payment-sums.ts, kkt-reg-id.ts); a release before it
 * does not. On by default since migration 0079's release; off while upgrading from a release before 0077 (README).
 */
import { flkCodesLiteral, type BatchDocumentRow } from '../../db/document-batch.repository.js';
import { USUAL_FLK_STATUS, USUAL_SIGN_STATUS } from '../../db/document-outcome.js';
import { PAYMENT_SUM_COLUMNS } from '../../db/payment-sums.js';

const NO_CODES = flkCodesLiteral([]);

export function withUsualAsNull<R extends BatchDocumentRow>(row: R): R {
  const lean: R = { ...row };
  if (lean.sign_status === USUAL_SIGN_STATUS) lean.sign_status = null;
  if (lean.flk_status === USUAL_FLK_STATUS) lean.flk_status = null;
  if (lean.flk_codes === NO_CODES) lean.flk_codes = null;
  // A settlement always has 1020 total_sum: with it, a null sum reads as 0 (payment-sums.ts).
  if (lean.total_sum !== null) {
    for (const c of PAYMENT_SUM_COLUMNS) if (lean[c] !== null && Number(lean[c]) === 0) lean[c] = null;
  }
  // register_id was found by this very number (registry.ts, documentRegistryIds): readers take the register's.
  if (lean.register_id !== null) lean.kkt_reg_id = null;
  return lean;
}
