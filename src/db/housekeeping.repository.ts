// Retention of notification history and outboxes (migrations 0010, 0012): rows that grow without bound but are not
// fiscal documents. Fiscal documents and what hangs off them (notify_deliveries: the e-receipt status the cabinet
// shows) are never touched here — the law keeps documents for 5 years (docs/operations.md, Backup and retention).
//
// What goes, once older than the cutoff:
//   notification_emails  delivered or failed (final) rows, by updated_at (when they reached that state); never
//                        pending, sending or retrying ones, which the notify worker still has to send;
//   notification_events  firings by fired_at, only once none of their e-mails is left: the e-mails go first (same
//                        pass, PURGE_ORDER), so the `on delete cascade` never takes an e-mail with it;
//   webhook_deliveries   delivered or failed (final) rows, by updated_at.
// A dead letter replayed after its row is gone finds nothing to re-arm and is skipped (notify-receipts.processor.ts).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

export type PurgeTarget = 'notification_emails' | 'notification_events' | 'webhook_deliveries';

/** E-mails before events: an event is only deleted once its e-mails are gone. */
export const PURGE_ORDER: readonly PurgeTarget[] = ['notification_emails', 'notification_events', 'webhook_deliveries'];

/** Which rows of each table may go, for a cutoff instant. Column names are unqualified or qualified by the table name. */
const OLD_ROWS: Record<PurgeTarget, (cutoff: Date) => RawBuilder<unknown>> = {
  notification_emails: (cutoff) => sql`status in ('delivered', 'failed') and updated_at < ${cutoff}`,
  // No e-mail at all rather than "no pending e-mail": a final one younger than the cutoff (a replayed dead letter)
  // keeps its event, so the history the API lists never shows an e-mail without its firing.
  notification_events: (cutoff) =>
    sql`fired_at < ${cutoff} and not exists (select 1 from notification_emails m where m.event_id = notification_events.id)`,
  webhook_deliveries: (cutoff) => sql`status in ('delivered', 'failed') and updated_at < ${cutoff}`,
};

export interface PurgeChunk {
  /** Rows that matched (on the statement's snapshot); fewer than the limit means the table is done. */
  readonly matched: number;
  readonly deleted: number;
  /** The highest id that matched, where the next chunk starts; null when none did. */
  readonly lastId: number | null;
}

/**
 * Deletes at most `limit` old rows of `target` with id > `afterId`, in one statement (a short transaction, short row
 * locks). Walking the primary key upwards, a pass reads each table once however many chunks it takes, instead of
 * re-reading the dead rows of earlier chunks from the start. The tables have no index on their timestamps, so the last
 * chunk of a pass reads the rest of the table: cheap once an hour.
 *
 * The rule is checked again on the DELETE itself: a row changed since the snapshot (a replay making a failed row pending
 * again) is re-read under its row lock (PostgreSQL's recheck of the target's own quals) and kept.
 */
export async function purgeOldRows(db: Kysely<Database>, target: PurgeTarget, cutoff: Date, afterId: number, limit: number): Promise<PurgeChunk> {
  const table = sql.table(target);
  const old = OLD_ROWS[target](cutoff);
  const { rows } = await sql<{ matched: number; deleted: number; last_id: number | null }>`
    with matched as (
      select id from ${table} where id > ${afterId} and ${old} order by id limit ${limit}
    ), deleted as (
      delete from ${table} where id in (select id from matched) and ${old} returning 1
    )
    select (select count(*) from matched)::int as matched,
           (select count(*) from deleted)::int as deleted,
           (select max(id) from matched) as last_id
  `.execute(db);
  const r = rows[0]!;
  return { matched: r.matched, deleted: r.deleted, lastId: r.last_id };
}
