/**
 * One stored document as its readers want it — `ofd show <fn> <fd>` and the API's `GET /api/v1/documents/{fn}/{fd}`:
 * `{ document: { "<formName>": { …FNS JSON…, messageFiscalSign, rawData } }, status: { …lifecycle… } }`.
 *
 * rawData (FNS JSON, §9) is the raw document as the fiscal drive sent it — TLV + trailer, i.e. the stored container
 * without its 32-byte header — in base64, taken from the stored bytes, never re-encoded.
 */
import type { Kysely } from 'kysely';
import { CONTAINER_HEADER_LENGTH } from '../../protocol/container.js';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { storedFnsJson } from './fns-json.js';
import { messageFiscalSignOfRaw } from './message-fiscal-sign.js';
import { unpackRawContainer } from './raw-container.js';
import type { DocumentEvent, DocumentRow, FlkStatus, SignStatus } from './tables/documents.js';
import { findDocumentWithLifecycle } from './api-documents.repository.js';
import type { CrptCodeStatusRow } from './crpt-status.repository.js';
import { fnsErrorsOf, type FnsStatusRow } from './tables/fns-status.js';
import { flkCodesOf, flkStatusOf, signStatusOf } from './document-outcome.js';

export interface DocumentLifecycleEvent {
  readonly kind: string;
  /** ISO 8601 (UTC). */
  readonly at: string;
  readonly detail: JsonObject | null;
}

export interface DocumentStatus {
  readonly fiscalDriveNumber: string;
  readonly fiscalDocumentNumber: number;
  /** Form code (spec §4). */
  readonly form: number;
  /** FNS name of the form; null when the document was stored unrecognised. */
  readonly formName: string | null;
  /** When the gateway received it (ISO 8601, UTC). */
  readonly receivedAt: string;
  /** When the persist worker stored it. */
  readonly persistedAt: string;
  /** When `ofd reprocess` last rebuilt it from its raw bytes; null if never. */
  readonly reprocessedAt: string | null;
  /** When our ack was written to the register's connection (document_acks); null when no written ack is known. */
  readonly ackedAt: string | null;
  /** 1022 of that ack: 0 accepted, 14 ФЛК failed, 11 not recognised; null with ackedAt. */
  readonly ackCode: number | null;
  readonly signStatus: SignStatus;
  readonly flk: { readonly status: FlkStatus; readonly codes: readonly string[] };
  /** ФПД as printed. */
  readonly fiscalSign: number | null;
  /** ФПС, decimal. */
  readonly messageFiscalSign: string | null;
  /** Bytes of the stored container (header included). */
  readonly containerLength: number;
  /** The whole stored container in base64 — only for a document stored unrecognised, which has no `document` to carry rawData. */
  readonly rawContainer?: string;
  /** The FNS outcome; null while the document has not been sent. */
  readonly fns: { readonly status: string; readonly attempts: number; readonly errors: unknown; readonly answeredAt: string | null } | null;
  /** Each marking code's CRPT stage, in item order. */
  readonly marking: ReadonlyArray<{ readonly code: string; readonly stage: string; readonly crptStatus: string | null; readonly checkResult: number | null }>;
  /** The lifecycle log (document_events), oldest first. */
  readonly events: readonly DocumentLifecycleEvent[];
}

export interface DocumentView {
  /** `{ "<formName>": { …, messageFiscalSign, rawData } }`; null when the document was stored unrecognised. */
  readonly document: Record<string, JsonObject> | null;
  readonly status: DocumentStatus;
}

/** The raw document of a stored container (§9 rawData): everything after the 32-byte container header, base64. */
export function rawDataOf(rawContainer: Buffer): string {
  return rawContainer.subarray(CONTAINER_HEADER_LENGTH).toString('base64');
}

/** Builds the view from a documents row and its events (no I/O). */
export function toDocumentView(
  row: DocumentRow,
  events: readonly DocumentEvent[],
  fns: FnsStatusRow | undefined = undefined,
  marking: readonly CrptCodeStatusRow[] = [],
): DocumentView {
  const raw = unpackRawContainer(row.raw_container, row.raw_codec);
  const [formName, body] = Object.entries(storedFnsJson({ ...row, raw_container: raw, raw_codec: null }))[0] ?? [];
  const recognised = formName !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body);
  const document = recognised ? { [formName]: { ...body, rawData: rawDataOf(raw) } } : null;
  return {
    document,
    status: {
      fiscalDriveNumber: row.fn,
      fiscalDocumentNumber: row.fd,
      form: row.form,
      formName: recognised ? formName : null,
      receivedAt: row.received_at.toISOString(),
      persistedAt: row.persisted_at.toISOString(),
      reprocessedAt: row.reprocessed_at?.toISOString() ?? null,
      ackedAt: row.acked_at?.toISOString() ?? null,
      ackCode: row.ack_code,
      signStatus: signStatusOf(row.sign_status),
      flk: { status: flkStatusOf(row.flk_status), codes: flkCodesOf(row.flk_codes) },
      fiscalSign: row.fiscal_sign,
      // Stored before the persist worker stopped writing it; read from the container since (message-fiscal-sign.ts).
      messageFiscalSign: row.message_fiscal_sign ?? messageFiscalSignOfRaw(raw),
      containerLength: raw.length,
      ...(recognised ? {} : { rawContainer: raw.toString('base64') }),
      fns: fns ? { status: fns.status, attempts: fns.attempts, errors: fnsErrorsOf(fns), answeredAt: fns.answered_at?.toISOString() ?? null } : null,
      marking: marking.map((m) => ({ code: m.code, stage: m.stage, crptStatus: m.crpt_status, checkResult: m.check_result })),
      events: events.map((e) => ({ kind: e.kind, at: e.at.toISOString(), detail: e.detail })),
    },
  };
}

/** The stored document (fn, fd) with its lifecycle, FNS outcome and marking stages; undefined when not stored. */
export async function findDocumentView(db: Kysely<Database>, fn: string, fd: number): Promise<DocumentView | undefined> {
  const stored = await findDocumentWithLifecycle(db, fn, fd);
  return stored === undefined ? undefined : toDocumentView(stored.row, stored.events, stored.fns, stored.marking);
}
