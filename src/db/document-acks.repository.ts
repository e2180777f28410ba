// Acknowledgements actually written (migrations 0057, 0078): recorded by the acks worker, read beside documents by the API.
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
 * One statement for a whole report, into `document_acks`. The first ack written for a document is kept: a register
 * re-sends only when it did not get ours, so a later ack for the same (fn, fd) adds nothing worth a write — nor does
 * one whose document's key already holds an ack (migration 0078: the persist worker took a waiting ack along; this is
 * a report run again, or the ack of a re-send). Returns the rows inserted.
 *
 * A report usually comes before its documents are stored when persisting lags behind (under load, or while PostgreSQL
 * was away): its rows wait here and the persist worker's insert of each key takes its ack along and deletes the row
 * (document-batch.repository.ts). One that comes after stays here: the key's row is never updated (its page is full,
 * and an update would leave a dead version and a second index entry until VACUUM).
 */
export async function recordWrittenAcks(db: Kysely<Database>, acks: readonly WrittenAck[]): Promise<number> {
  if (acks.length === 0) return 0;
  const result = await sql`
    insert into document_acks (fn, fd, acked_at, ack_code)
    select a.fn::bigint, a.fd, min(a.at), (array_agg(a.code order by a.at))[1]
      from unnest(${acks.map((a) => a.fn)}::text[], ${acks.map((a) => a.fd)}::bigint[],
                  ${acks.map((a) => new Date(a.at).toISOString())}::timestamptz[], ${acks.map((a) => a.code)}::smallint[])
           as a (fn, fd, at, code)
     where not exists (select 1 from document_keys k where k.fn = a.fn and k.fd = a.fd and k.acked_at is not null)
     group by a.fn, a.fd
     order by a.fn::bigint, a.fd
    on conflict (fn, fd) do nothing
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * The written ack of one document, or undefined when none is known (never written, or its report was lost): its
 * `document_keys` columns, else a row of `document_acks` (waiting for the document, or recorded before migration 0078).
 */
export async function findWrittenAck(db: Kysely<Database>, fn: string, fd: number): Promise<{ ackedAt: Date; ackCode: number } | undefined> {
  const { rows } = await sql<{ acked_at: Date; ack_code: number }>`
    select acked_at, ack_code from document_keys where fn = ${fn} and fd = ${fd} and acked_at is not null
    union all
    select acked_at, ack_code from document_acks where fn = ${fn}::bigint and fd = ${fd}
    limit 1
  `.execute(db);
  const row = rows[0];
  return row ? { ackedAt: row.acked_at, ackCode: row.ack_code } : undefined;
}
