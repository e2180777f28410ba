// The outbox of condition e-mails (migration 0012): claimed with a lease by the notify worker, sent, and recorded as
// delivered, retrying (due again after a backoff) or failed.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface DueNotificationEmail {
  id: number;
  event_id: number;
  recipient: string;
  mail_subject: string;
  mail_text: string;
  /** Attempts made, this one included. */
  attempts: number;
}

/**
 * Claims due e-mails (pending, retrying, or sending with an expired lease: its worker died mid-send) and counts the
 * attempt. `skip locked` lets several notify workers drain the outbox at once without sending a row twice.
 */
export async function claimDueNotificationEmails(db: Db, limit: number, leaseMs: number): Promise<DueNotificationEmail[]> {
  const { rows } = await sql<DueNotificationEmail>`
    with due as (
      select id from notification_emails
       where (status in ('pending', 'retrying') and next_attempt_at <= now())
          or (status = 'sending' and lease_until < now())
       order by next_attempt_at
       limit ${limit}
       for update skip locked
    )
    update notification_emails m
       set status = 'sending', attempts = m.attempts + 1, lease_until = now() + ${leaseMs}::integer * interval '1 millisecond', updated_at = now()
      from due
     where m.id = due.id
    returning m.id, m.event_id, m.recipient, m.mail_subject, m.mail_text, m.attempts
  `.execute(db);
  return rows;
}

export async function recordNotificationEmailOutcome(
  db: Db,
  id: number,
  outcome: { status: 'delivered' | 'retrying' | 'failed'; errorCode?: string; error?: string; retryInMs?: number },
): Promise<void> {
  await sql`
    update notification_emails
       set status = ${outcome.status},
           last_error_code = ${outcome.errorCode ?? null},
           last_error = ${outcome.error?.slice(0, 2000) ?? null},
           delivered_at = case when ${outcome.status} = 'delivered' then now() else delivered_at end,
           next_attempt_at = now() + ${outcome.retryInMs ?? 0}::integer * interval '1 millisecond',
           lease_until = null,
           updated_at = now()
     where id = ${id} and status = 'sending'
  `.execute(db);
}

/** Makes a failed e-mail due again with a fresh set of attempts (its dead letter replayed); false when there is none. */
export async function rearmNotificationEmail(db: Db, id: number): Promise<boolean> {
  const r = await sql`
    update notification_emails
       set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, updated_at = now()
     where id = ${id} and status = 'failed'
  `.execute(db);
  return (r.numAffectedRows ?? 0n) > 0n;
}
