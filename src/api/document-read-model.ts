/**
 * The API's read model of one stored document: the row is read once (the tenant check and the view share it), its
 * lifecycle in parallel (db/api-documents.repository.ts), and the view is the one `ofd show` prints
 * (db/document-view.repository.ts) with what the API adds: the FNS outcome's error code and send time, the raw
 * container, the QR string and the row's keys.
 */
import { z } from 'zod';
import { formName } from '../../protocol/tags/index.js';
import { documentLifecycle, findStoredDocument } from '../db/api-documents.repository.js';
import { organizationIdByInn } from '../db/api-organizations.repository.js';
import { rawDataOf, toDocumentView } from '../db/document-view.repository.js';
import { unpackRawContainer } from '../db/raw-container.js';
import type { DocumentRow } from '../db/tables/documents.js';
import { fnsDeliveryStatuses, fnsErrorsOf } from '../db/tables/fns-status.js';
import { authorizePlace } from './auth/access-scope.js';
import type { Principal } from './auth/principal.js';
import type { ApiContext } from './context.js';
import { notFound } from './errors.js';
import { fnsQrString } from '../domain/receipt-view.js';
import { dateOut, iso } from './schemas.js';

const jsonObject = z.record(z.string(), z.unknown());

export const documentDetailOut = z.object({
  document: jsonObject.meta({ description: '`{ "<formName>": { …FNS JSON…, "rawData": base64 } }`; `{}` for a document that could not be decoded' }),
  status: z.object({
    receivedAt: dateOut,
    persistedAt: dateOut,
    ackedAt: dateOut.nullable().meta({ description: 'when our ack was written to the register\'s connection; null when no written ack is known (the connection closed first: the register re-sends)' }),
    ackCode: z.number().int().nullable().meta({ description: '1022 of the ack written to the register: 0 accepted, 14 ФЛК failed, 11 not recognised; null with ackedAt' }),
    sign: z.enum(['verified', 'unverified']),
    flk: z.object({ status: z.enum(['passed', 'failed']), codes: z.array(z.string()) }),
    fns: z
      .object({
        status: z.enum(fnsDeliveryStatuses),
        attempts: z.number().int(),
        errors: z.array(jsonObject),
        lastErrorCode: z.string().nullable(),
        sentAt: dateOut.nullable(),
        answeredAt: dateOut.nullable(),
      })
      .nullable()
      .meta({ description: 'null: not sent to the FNS (yet)' }),
    marking: z
      .array(z.object({ code: z.string(), stage: z.string(), crptStatus: z.string().nullable(), checkResult: z.number().int().nullable() }))
      .meta({ description: 'Each marking code: its stage (checked → delivered → crpt_answered) and CRPT status' }),
    reprocessedAt: dateOut.nullable(),
    timeline: z.array(z.object({ at: dateOut, kind: z.string(), detail: jsonObject.nullable() })),
  }),
  raw: z.object({
    container: z.string().meta({ description: 'The container exactly as received (32-byte header included), base64' }),
    rawData: z.string().meta({ description: 'The document TLV and its trailer (the container after its header), base64' }),
  }),
  qr: z.string().nullable().meta({ description: 'The FNS QR string of a receipt (t=…&s=…&fn=…&i=…&fp=…&n=…); null for other documents' }),
  meta: z.object({
    fn: z.string(),
    fd: z.number().int(),
    form: z.number().int(),
    formName: z.string().nullable(),
    userInn: z.string().nullable(),
    registerId: z.number().int().nullable(),
    outletId: z.number().int().nullable(),
  }),
});

/** The QR string of a receipt-like document, when it has everything the string needs. */
export function receiptQr(row: { date_time: string | null; total_sum: number | null; fn: string; fd: number; fiscal_sign: number | null; operation_type: number | null }): string | null {
  if (row.date_time === null || row.total_sum === null || row.fiscal_sign === null || row.operation_type === null) return null;
  return fnsQrString({ dateTime: row.date_time, totalSum: row.total_sum, fn: row.fn, fd: row.fd, fiscalSign: row.fiscal_sign, operationType: row.operation_type });
}

/**
 * The tenant check of a stored document, by the INN its documents carry and its register (a member limited to outlets
 * sees only theirs). Returns the owning organization (null: no organization has that INN).
 */
export async function authorizeDocumentRead(ctx: ApiContext, p: Principal, owner: { inn: string | null; registerId: number | null }): Promise<number | null> {
  const organizationId = owner.inn === null ? null : await organizationIdByInn(ctx.db, owner.inn);
  await authorizePlace(ctx.db, p, organizationId, { registerId: owner.registerId }, 'documents:read', 'document');
  return organizationId;
}

/** The stored row of (fn, fd) when the caller may read it: read once, checked, and handed on to the view. */
export async function readableDocument(ctx: ApiContext, p: Principal, fn: string, fd: number): Promise<DocumentRow> {
  const row = await findStoredDocument(ctx.db, fn, fd);
  if (!row) throw notFound('document');
  await authorizeDocumentRead(ctx, p, { inn: row.user_inn, registerId: row.register_id });
  return row;
}

const rawOut = (raw: Buffer) => ({ container: raw.toString('base64'), rawData: rawDataOf(raw) });

/** `GET /documents/{fn}/{fd}`: the row's lifecycle (read in parallel) and the view. */
export async function documentDetail(ctx: ApiContext, row: DocumentRow): Promise<z.infer<typeof documentDetailOut>> {
  const stored = await documentLifecycle(ctx.db, row);
  const { status, document } = toDocumentView(stored.row, stored.events, stored.fns, stored.marking);
  const fns = stored.fns;
  return {
    document: document ?? {},
    status: {
      receivedAt: status.receivedAt,
      persistedAt: status.persistedAt,
      ackedAt: status.ackedAt,
      ackCode: status.ackCode,
      sign: status.signStatus,
      flk: { status: status.flk.status, codes: [...status.flk.codes] },
      fns: fns
        ? { status: fns.status, attempts: fns.attempts, errors: fnsErrorsOf(fns), lastErrorCode: fns.last_error_code, sentAt: iso(fns.sent_at), answeredAt: iso(fns.answered_at) }
        : null,
      marking: [...status.marking],
      reprocessedAt: status.reprocessedAt,
      timeline: status.events.map((e) => ({ at: e.at, kind: e.kind, detail: e.detail })),
    },
    raw: rawOut(unpackRawContainer(row.raw_container, row.raw_codec)),
    qr: receiptQr(row),
    meta: { fn: row.fn, fd: row.fd, form: row.form, formName: formName(row.form) ?? null, userInn: row.user_inn, registerId: row.register_id, outletId: row.outlet_id },
  };
}
