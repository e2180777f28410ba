/**
 * The HTTP interface between this OFD and the tax service (ФНС) for fiscal documents. The FNS's own interface for
 * operators is not public; this is the project's definition, built on what the FNS JSON of a document already is (spec
 * §9). `ofd fake-fns` serves it; the HTTP client (http-fns-client.ts) speaks it. JSON bodies, UTF-8.
 *
 *   POST {FNS_URL}/api/v1/documents
 *     request  { "documents": [ { "fn": "<16 digits>", "fd": <1…2^32−1>,
 *                                 "document": { "<formName>": { "code": <form>, …FNS JSON fields…, "messageFiscalSign": "<decimal>" } },
 *                                 "rawData": "<base64: the document TLV + the 10-byte trailer, i.e. the container after its 32-byte header>" } ] }
 *              1 … 100 documents, a (fn, fd) at most once per request, body ≤ 8 MiB. 64-bit integers beyond 2^53 are
 *              decimal strings (as messageFiscalSign always is).
 *     200      { "documents": [ { "fn", "fd", "status", "errors"?: [ { "tag": <FFD tag, 0 = the whole document>, "code", "message" } ],
 *                                 "duplicate"?: true } ] }
 *              one answer per document of the request, in any order. status:
 *                accepted                — taken as is;
 *                accepted_with_warnings  — taken; `errors` holds the warnings;
 *                rejected                — failed the FNS's ФЛК; `errors` holds the failures per tag; final;
 *                quarantine              — taken but held (e.g. the taxpayer cannot be attributed); final for the OFD.
 *     400      { "code": "BAD_REQUEST", "message" }  not JSON, not this schema, or a (fn, fd) twice: nothing processed.
 *     400      { "code": "BAD_DOCUMENT", "message", "documents": [ { "fn", "fd", "code", "message" } ] }  rawData does not
 *              decode or contradicts fn / fd / document: nothing processed; the listed documents are the culprits.
 *     413      { "code": "TOO_LARGE", "message" }  more than 100 documents or more than 8 MiB: nothing processed.
 *     429      { "code": "RATE_LIMITED", "message" }, header Retry-After: <seconds>: nothing processed; come back later.
 *     5xx      unknown: the request may or may not have been processed.
 *
 * Idempotency: the FNS keys documents by (fn, fd). A document sent again is not processed again: it gets the answer its
 * first copy got, with "duplicate": true. That covers the OFD's residual at-least-once window (a timeout or a crash
 * after the FNS processed a batch but before its answer was stored): the re-send is harmless.
 */
import { z } from 'zod';

/** Documents per request at most. */
export const FNS_MAX_DOCUMENTS = 100;
/** Request body size at most. */
export const FNS_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const FNS_DOCUMENTS_PATH = '/api/v1/documents';

export const FNS_STATUSES = ['accepted', 'accepted_with_warnings', 'rejected', 'quarantine'] as const;
/** The FNS's answer for one document. All four are final: a document with one of them is never sent again. */
export type FnsStatus = (typeof FNS_STATUSES)[number];

const base64 = z.string().min(1).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const fiscalDriveNumber = z.string().regex(/^\d{16}$/, '16 digits');
const fiscalDocumentNumber = z.number().int().min(1).max(0xffff_ffff);

/** `{ "<formName>": { … } }`: exactly one key. */
const fnsDocument = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .refine((d) => Object.keys(d).length === 1, 'document must have exactly one key, the form name');

export const FnsSubmissionBody = z.object({
  fn: fiscalDriveNumber,
  fd: fiscalDocumentNumber,
  document: fnsDocument,
  rawData: base64,
});

export const FnsRequestBody = z.object({
  documents: z.array(FnsSubmissionBody).min(1),
});

export const FnsTagErrorBody = z.object({
  tag: z.number().int().min(0).max(0xffff),
  code: z.string().min(1),
  message: z.string(),
});

export const FnsDocumentAnswerBody = z.object({
  fn: fiscalDriveNumber,
  fd: fiscalDocumentNumber,
  status: z.enum(FNS_STATUSES),
  errors: z.array(FnsTagErrorBody).optional(),
  duplicate: z.boolean().optional(),
});

export const FnsResponseBody = z.object({ documents: z.array(FnsDocumentAnswerBody) });

export const FnsErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  documents: z
    .array(z.object({ fn: z.string(), fd: z.number(), code: z.string(), message: z.string() }))
    .optional(),
});

/** One document as the OFD sends it. */
export interface FnsDocumentSubmission {
  readonly fn: string;
  readonly fd: number;
  /** `{ "<formName>": { code, …fields, messageFiscalSign } }`, JSON-safe (no bigint). */
  readonly document: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** base64 of the container after its 32-byte header: the document TLV, the message sign and `00 00` (§9). */
  readonly rawData: string;
}

export interface FnsTagError {
  /** The FFD tag the finding is about; 0 for the document as a whole. */
  readonly tag: number;
  readonly code: string;
  readonly message: string;
}

export interface FnsDocumentResult {
  readonly fn: string;
  readonly fd: number;
  readonly status: FnsStatus;
  readonly errors: readonly FnsTagError[];
  /** The FNS had this (fn, fd) already; `status` is its first answer. */
  readonly duplicate: boolean;
}

export interface FnsBatchResult {
  /** One per document the FNS answered, in the FNS's order. */
  readonly documents: readonly FnsDocumentResult[];
}

export const documentKey = (fn: string, fd: number | string | bigint): string => `${fn}:${String(fd)}`;
