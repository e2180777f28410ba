/**
 * Job payloads. Job data is JSON stored in Redis: bytes travel as base64, never as a Buffer (BullMQ would store
 * `{type:'Buffer',data:[…]}`, four times the size). Each queue has one job name.
 */
import { z } from 'zod';
import type { CryptoMode } from '../config.js';
import type { QueueName } from './queue-names.js';

export const JobNames = {
  /** One job per micro-batch of the gateway's producer (DocumentBatchJob). */
  documents: 'document-batch',
  fns: 'send-to-fns',
  crpt: 'send-to-crpt',
  notify: 'notify',
  'fns-kkt': 'step',
  exports: 'export',
  acks: 'ack-report',
} as const satisfies Record<QueueName, string>;

/** A document the gateway accepted, as it goes from the gateway to the persist worker. */
export interface DocumentJob {
  /** Fiscal drive (FN) number: 16 digits, padding removed. */
  readonly fn: string;
  /** Fiscal document (FD) number, 1 … 2^32−1. */
  readonly fd: number;
  /** Form number (document type: 1 registration, 3 receipt, …). */
  readonly form: number;
  /** When the gateway received the message: ISO 8601 with zone (`toISOString()`). */
  readonly receivedAt: string;
  /** The raw container bytes as received (decision 3: keep the original bytes), base64. */
  readonly container: string;
  /** The 30-byte session header as received, base64; kept for evidence and re-parsing. */
  readonly sessionHeader?: string;
  /** Which crypto adapter handled the document. */
  readonly crypto: CryptoMode;
  /** `unverified` only under OFD_CRYPTO=none: signs were not checked. */
  readonly signStatus: 'verified' | 'unverified';
  /** ФЛК outcome: codes of the failed checks; a failed document is still stored and acked with code 14. */
  readonly flk: { readonly ok: boolean; readonly codes: readonly string[] };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * For the consumer side (the persist worker): job data comes out of Redis untyped, possibly written by an older gateway.
 * The producer does not run it on the hot path — the gateway builds DocumentJob from typed values.
 */
export const documentJobSchema = z.object({
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  form: z.number().int().min(0).max(0xff),
  receivedAt: z.iso.datetime({ offset: true }),
  container: z.string().min(1).regex(BASE64),
  sessionHeader: z.string().regex(BASE64).optional(),
  crypto: z.enum(['devsign', 'none', 'pkz']),
  signStatus: z.enum(['verified', 'unverified']),
  flk: z.object({ ok: z.boolean(), codes: z.array(z.string()) }),
});

/**
 * A `documents` job: what one flush of the gateway's micro-batching producer made durable (one BullMQ job per batch, not
 * per document — issue 12). Copies of one (fn, fd) are all carried: PostgreSQL decides which is stored.
 */
export interface DocumentBatchJob {
  readonly documents: readonly DocumentJob[];
}

/**
 * The documents of a `documents` job's data, untrusted: a batch's list, or — for a job an older gateway wrote, one
 * document per job — the data itself. Each element is validated by the persist processor (documentJobSchema).
 */
export function documentsOfJob(data: unknown): unknown[] {
  if (data !== null && typeof data === 'object' && 'documents' in data && Array.isArray(data.documents)) return data.documents as unknown[];
  return [data];
}

/*
 * Forwarding jobs carry only the document's identity: PostgreSQL is the source of truth once the document is persisted,
 * and the adapter reads what it sends from there. (Proposed shapes; the workers' owners may extend them.)
 */

/**
 * Send one stored document to the FNS (`send-to-fns`, job id documentJobId(fn, fd)): what `ofd dlq replay` re-adds. The
 * persist worker adds one `send-batch-to-fns` job per persist job instead (src/queue/fns-jobs.ts).
 */
export interface FnsJob {
  readonly fn: string;
  readonly fd: number;
}

/** Send the marking codes of one stored document to CRPT. Job id: documentJobId(fn, fd). */
export interface CrptJob {
  readonly fn: string;
  readonly fd: number;
  /** The stored copy's received_at, when the persist job that adds this one stored it (received-at-hint.ts). */
  readonly receivedAt?: string;
}

export type NotifyChannel = 'email' | 'sms' | 'viber' | 'webhook';

/** Deliver an e-receipt or a webhook for one stored document. Job id: notifyJobId(fn, fd, channel). */
export interface NotifyJob {
  readonly fn: string;
  readonly fd: number;
  readonly channel: NotifyChannel;
  /** E-mail address, phone number or webhook id; absent when the worker reads it from the document (tag 1008). */
  readonly recipient?: string;
  /** The stored copy's received_at, when the persist job that adds this one stored it (received-at-hint.ts). */
  readonly receivedAt?: string;
}

/**
 * Acks a gateway process wrote to registers' sockets since its last flush (src/gateway/ack-reports.ts): compact tuples
 * [fn, fd, 1022 code, written at (ms since the epoch)], a few hundred per job.
 */
export interface AckReportJob {
  readonly acks: readonly (readonly [fn: string, fd: number, code: number, at: number])[];
}

export const ackReportJobSchema = z.object({
  acks: z.array(
    z.tuple([z.string().regex(/^\d{16}$/), z.number().int().min(1).max(0xffff_ffff), z.number().int().min(0).max(255), z.number().int().min(0)]),
  ),
});
