/**
 * The acks processor (issue 13 item 4), BullMQ-free (its wiring: acks.worker.ts): one report of acknowledgements
 * actually written (src/gateway/ack-reports.ts) → document_acks (document-acks.repository.ts), in chunks, `on conflict
 * do nothing`, so a report run twice writes nothing twice. A malformed entry is skipped and counted, never retried: it
 * cannot get better.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { recordWrittenAcks, type WrittenAck } from '../../db/document-acks.repository.js';
import type { Logger } from '../../observability/logger.js';
import { ackReportJobSchema } from '../../queue/jobs.js';

/** Rows per insert: a report after a long Redis outage can hold many flushes' worth. */
const CHUNK = 5000;

/** The valid acks of a report's data; entries that do not parse are left out. */
export function acksOfReport(data: unknown): { acks: WrittenAck[]; invalid: number } {
  const entries = data !== null && typeof data === 'object' && 'acks' in data && Array.isArray(data.acks) ? (data.acks as unknown[]) : [];
  const acks: WrittenAck[] = [];
  let invalid = 0;
  for (const entry of entries) {
    const parsed = ackReportJobSchema.shape.acks.element.safeParse(entry);
    if (!parsed.success) invalid += 1;
    else acks.push({ fn: parsed.data[0], fd: parsed.data[1], code: parsed.data[2], at: parsed.data[3] });
  }
  return { acks, invalid };
}

/** Records the acks of one report's data; throws when PostgreSQL fails (the job is retried). */
export async function processAckReport(db: Kysely<Database>, log: Logger, jobId: string | undefined, data: unknown): Promise<{ acks: number; recorded: number; invalid: number }> {
  const { acks, invalid } = acksOfReport(data);
  if (invalid > 0) log.warn({ jobId, invalid }, 'malformed entries in an ack report skipped');
  let recorded = 0;
  for (let i = 0; i < acks.length; i += CHUNK) recorded += await recordWrittenAcks(db, acks.slice(i, i + CHUNK));
  return { acks: acks.length, recorded, invalid };
}
