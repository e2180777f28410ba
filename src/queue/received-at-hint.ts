/**
 * `receivedAt` on a forwarding job (crpt, notify): the received_at of the stored copy, which the persist job that adds
 * the job knows when it stored that copy. The worker then reads the document naming its partition directly, in one
 * statement, instead of looking its received_at up in document_keys first (a round trip per job). A hint, not a key:
 * a value that names no stored copy only costs the lookup (src/db/stored-copy.ts).
 */
import { z } from 'zod';

export const receivedAtHintSchema = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a timestamp')
  .optional();

export function receivedAtOfHint(hint: string | undefined): Date | undefined {
  return hint === undefined ? undefined : new Date(hint);
}
