// Condition notifications (migrations 0011 and 0012): per-organization rules, what is armed (notification_log), the
// history of firings (notification_events) and the e-mails each firing queues (notification_emails).
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface NotificationRulesRow {
  organization_id: number;
  disabled_kinds: string[];
  /** Null: the default threshold. */
  silent_after_hours: number | null;
  updated_at: Date;
}

const RULE_COLUMNS = ['organization_id', 'disabled_kinds', 'silent_after_hours', 'updated_at'] as const;

export async function findNotificationRules(db: Db, organizationId: number): Promise<NotificationRulesRow | undefined> {
  return db.selectFrom('notification_rules').select(RULE_COLUMNS).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Replaces the organization's rules as a whole (PUT semantics). */
export async function replaceNotificationRules(
  db: Db,
  organizationId: number,
  rules: { disabledKinds: readonly string[]; silentAfterHours: number | null },
): Promise<NotificationRulesRow> {
  return db
    .insertInto('notification_rules')
    .values({
      organization_id: organizationId,
      disabled_kinds: sql<string[]>`${[...rules.disabledKinds]}::text[]`,
      silent_after_hours: rules.silentAfterHours,
      updated_at: sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet((eb) => ({
        disabled_kinds: eb.ref('excluded.disabled_kinds'),
        silent_after_hours: eb.ref('excluded.silent_after_hours'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .returning(RULE_COLUMNS)
    .executeTakeFirstOrThrow();
}

export interface Firing {
  readonly organizationId: number;
  readonly kind: string;
  readonly subject: string;
  readonly threshold: string;
  readonly data: JsonObject;
  readonly firedAt: Date;
}

/**
 * Arms the condition and records the firing; undefined when it was armed already (it fired before and has not cleared).
 * Run it in the transaction that also queues the firing's deliveries, so a firing is never recorded without them.
 */
export async function recordFiring(db: Db, f: Firing): Promise<number | undefined> {
  const { rows } = await sql<{ id: number }>`
    with armed as (
      insert into notification_log (organization_id, kind, subject, threshold, fired_at)
      values (${f.organizationId}, ${f.kind}, ${f.subject}, ${f.threshold}, ${f.firedAt})
      on conflict do nothing
      returning organization_id
    )
    insert into notification_events (organization_id, kind, subject, threshold, data, fired_at)
    select organization_id, ${f.kind}, ${f.subject}, ${f.threshold}, ${JSON.stringify(f.data)}::jsonb, ${f.firedAt} from armed
    returning id
  `.execute(db);
  return rows[0]?.id;
}

/** Clears the armed state conditions of `kinds` that are not in `keep` (`kind|subject|threshold`), re-arming them. */
export async function disarmCleared(db: Db, organizationId: number, kinds: readonly string[], keep: readonly string[]): Promise<void> {
  await sql`
    delete from notification_log
     where organization_id = ${organizationId} and kind = any (${[...kinds]}::text[])
       and not (kind || '|' || subject || '|' || threshold = any (${[...keep]}::text[]))
  `.execute(db);
}

/**
 * Queues the firing's e-mail to every active member of the organization in `roles` (default its owners and admins);
 * returns how many.
 */
export async function enqueueNotificationEmails(
  db: Db,
  eventId: number,
  organizationId: number,
  mail: { subject: string; text: string },
  roles: readonly string[] = ['owner', 'admin'],
): Promise<number> {
  const r = await sql`
    insert into notification_emails (event_id, recipient, mail_subject, mail_text, status)
    select ${eventId}, u.email, ${mail.subject}, ${mail.text}, 'pending'
      from memberships m join users u on u.id = m.user_id
     where m.organization_id = ${organizationId} and m.role = any (${[...roles]}::text[]) and u.status = 'active'
    on conflict (event_id, recipient) do nothing
  `.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}

export interface NotificationEventRow {
  id: number;
  kind: string;
  subject: string;
  threshold: string;
  data: JsonObject;
  fired_at: Date;
  /** Whether the condition is still armed (a state that has not cleared, or an event). */
  armed: boolean;
  emails_delivered: number;
  emails_pending: number;
  emails_failed: number;
}

/** The organization's firings, newest first, with their e-mails' outcomes. */
export async function listNotificationEvents(
  db: Db,
  organizationId: number,
  q: { limit: number; beforeId?: number | undefined; kind?: string | undefined },
): Promise<NotificationEventRow[]> {
  const { rows } = await sql<NotificationEventRow>`
    select e.id, e.kind, e.subject, e.threshold, e.data, e.fired_at,
           exists (select 1 from notification_log l
                    where l.organization_id = e.organization_id and l.kind = e.kind and l.subject = e.subject
                      and l.threshold = e.threshold and l.fired_at = e.fired_at) as armed,
           count(m.id) filter (where m.status = 'delivered')::int as emails_delivered,
           count(m.id) filter (where m.status in ('pending', 'sending', 'retrying'))::int as emails_pending,
           count(m.id) filter (where m.status = 'failed')::int as emails_failed
      from notification_events e left join notification_emails m on m.event_id = e.id
     where e.organization_id = ${organizationId}
       ${q.beforeId === undefined ? sql`` : sql`and e.id < ${q.beforeId}`}
       ${q.kind === undefined ? sql`` : sql`and e.kind = ${q.kind}`}
     group by e.id
     order by e.id desc
     limit ${q.limit}
  `.execute(db);
  return rows;
}
