/**
 * The rows the persist transaction writes for a batch, built from the prepared documents and their registry ids (no I/O):
 * document rows and the copies not stored (evidence of conflicting bytes). Shift totals and report rollups are the
 * derive stage's (src/workers/derive/).
 */
import { flkCodesLiteral, type BatchDocument } from '../../db/document-batch.repository.js';
import type { UnstoredCopy } from '../../db/document-conflicts.repository.js';
import type { Prepared } from './prepare.js';
import { documentRegistryIds, type RegistryIds } from './registry.js';

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

export function batchDocument(d: Prepared, ids: RegistryIds): BatchDocument {
  const { job, derived } = d;
  const { outletId, registerId } = documentRegistryIds(ids, { fields: derived.fields, kktRegId: derived.columns.kkt_reg_id });
  return {
    row: {
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
    },
    raw: d.raw,
    items: derived.items,
    codes: derived.codes,
  };
}
