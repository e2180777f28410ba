// Acknowledgements actually written (migration 0057): recorded by the acks worker, read beside documents by the API.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { DocumentAcksTable } from './tables/document-acks.js';

export type { DocumentAcksTable };

export interface WrittenAck {
  readonly fn: string;
  readonly fd: number;
  /** 1022 of the ack. */
  readonly code: number;
  /** When the socket took it (ms since the epoch, the gateway's clock). */
  readonly at: number;
}

/**
 * One statement for a whole report. The first ack written for a document is kept: a register re-sends only when it did
 * not get ours, so a later ack for the same (fn, fd) adds nothing worth a write. Returns the rows inserted.
 */
export async function recordWrittenAcks(db: Kysely<Database>, acks: readonly WrittenAck[]): Promise<number> {
  if (acks.length === 0) return 0;
  const result = await sql`
    insert into document_acks (fn, fd, acked_at, ack_code)
    select a.fn, a.fd, min(a.at), (array_agg(a.code order by a.at))[1]
      from unnest(${acks.map((a) => a.fn)}::bigint[], ${acks.map((a) => a.fd)}::bigint[],
                  ${acks.map((a) => new Date(a.at).toISOString())}::timestamptz[], ${acks.map((a) => a.code)}::smallint[])
           as a (fn, fd, at, code)
     group by a.fn, a.fd
     order by a.fn, a.fd
    on conflict (fn, fd) do nothing
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** The written ack of one document, or undefined when none is known (never written, or its report was lost). */
export async function findWrittenAck(db: Kysely<Database>, fn: string, fd: number): Promise<{ ackedAt: Date; ackCode: number } | undefined> {
  const row = await db
    .selectFrom('document_acks')
    .select(['acked_at', 'ack_code'])
    .where(sql<boolean>`fn = ${fn}::bigint`)
    .where('fd', '=', fd)
    .executeTakeFirst();
  return row ? { ackedAt: row.acked_at, ackCode: row.ack_code } : undefined;
}
