// Webhook subscriptions, the delivery log (an outbox the notify worker sends from) and the event scan (migration 0010).
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { NOTIFICATION_KINDS } from '../domain/notification-kinds.js';
import { kktRegIdOf } from './kkt-reg-id.js';

type Db = Kysely<Database>;

/** Events a subscription may ask for: document events (notify-webhooks.ts) and the condition kinds (notify-conditions.ts). */
export const WEBHOOK_EVENTS = ['document.received', 'shift.closed', 'fns.status_changed', ...NOTIFICATION_KINDS] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'retrying', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookSubscriptionRow {
  id: number;
  organization_id: number;
  url: string;
  events: string[];
  secret: string;
  description: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  id: number;
  subscription_id: number;
  organization_id: number;
  event: string;
  event_id: string;
  payload: JsonObject;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  replays: number;
  created_at: Date;
  updated_at: Date;
}

// ---- subscriptions --------------------------------------------------------------------------------------------------

export async function createSubscription(
  db: Db,
  s: { organizationId: number; url: string; events: readonly string[]; secret: string; description: string | null },
): Promise<WebhookSubscriptionRow> {
  const { rows } = await sql<WebhookSubscriptionRow>`
    insert into webhook_subscriptions (organization_id, url, events, secret, description)
    values (${s.organizationId}, ${s.url}, ${sql`${[...s.events]}::text[]`}, ${s.secret}, ${s.description})
    returning *
  `.execute(db);
  return rows[0]!;
}

export async function listSubscriptions(db: Db, organizationId: number): Promise<WebhookSubscriptionRow[]> {
  const { rows } = await sql<WebhookSubscriptionRow>`select * from webhook_subscriptions where organization_id = ${organizationId} order by id`.execute(db);
  return rows;
}

export async function findSubscription(db: Db, organizationId: number, id: number): Promise<WebhookSubscriptionRow | undefined> {
  const { rows } = await sql<WebhookSubscriptionRow>`select * from webhook_subscriptions where organization_id = ${organizationId} and id = ${id}`.execute(db);
  return rows[0];
}

export async function updateSubscription(
  db: Db,
  organizationId: number,
  id: number,
  patch: { url?: string | undefined; events?: readonly string[] | undefined; active?: boolean | undefined; description?: string | null | undefined },
): Promise<WebhookSubscriptionRow | undefined> {
  const { rows } = await sql<WebhookSubscriptionRow>`
    update webhook_subscriptions
       set url = coalesce(${patch.url ?? null}, url),
           events = coalesce(${patch.events ? sql`${[...patch.events]}::text[]` : sql`null::text[]`}, events),
           active = coalesce(${patch.active ?? null}::boolean, active),
           description = case when ${patch.description !== undefined} then ${patch.description ?? null} else description end,
           updated_at = now()
     where organization_id = ${organizationId} and id = ${id}
    returning *
  `.execute(db);
  return rows[0];
}

export async function deleteSubscription(db: Db, organizationId: number, id: number): Promise<boolean> {
  const r = await sql`delete from webhook_subscriptions where organization_id = ${organizationId} and id = ${id}`.execute(db);
  return (r.numAffectedRows ?? 0n) > 0n;
}

// ---- delivery log ---------------------------------------------------------------------------------------------------

export async function listWebhookDeliveries(db: Db, subscriptionId: number, limit: number, beforeId?: number): Promise<WebhookDeliveryRow[]> {
  const { rows } = await sql<WebhookDeliveryRow>`
    select * from webhook_deliveries
     where subscription_id = ${subscriptionId} ${beforeId === undefined ? sql`` : sql`and id < ${beforeId}`}
     order by id desc limit ${limit}
  `.execute(db);
  return rows;
}

/** Replay: the delivery becomes due now, with a fresh set of attempts. Undefined when it is not the subscription's. */
export async function replayWebhookDelivery(db: Db, subscriptionId: number, deliveryId: number): Promise<WebhookDeliveryRow | undefined> {
  const { rows } = await sql<WebhookDeliveryRow>`
    update webhook_deliveries
       set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, replays = replays + 1, updated_at = now()
     where subscription_id = ${subscriptionId} and id = ${deliveryId}
    returning *
  `.execute(db);
  return rows[0];
}

export interface WebhookEventInput {
  readonly organizationId: number;
  readonly event: WebhookEvent;
  /** Stable per event: the same event found twice is logged once per subscription. */
  readonly eventId: string;
  /** When it happened: subscriptions created after that do not get it. */
  readonly at: Date;
  readonly data: JsonObject;
}

/** Logs the events for every active subscription of their organization that wants them (and existed when they happened); returns the rows created. */
export async function publishWebhookEvents(db: Db, events: readonly WebhookEventInput[]): Promise<number> {
  if (events.length === 0) return 0;
  const input = events.map((e) => ({ organization_id: e.organizationId, event: e.event, event_id: e.eventId, at: e.at.toISOString(), data: e.data }));
  const r = await sql`
    insert into webhook_deliveries (subscription_id, organization_id, event, event_id, payload, status)
    select s.id, s.organization_id, e.event, e.event_id,
           jsonb_build_object('id', e.event_id, 'type', e.event, 'organizationId', s.organization_id,
                              'createdAt', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', e.data),
           'pending'
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as e(organization_id bigint, event text, event_id text, at timestamptz, data jsonb)
      join webhook_subscriptions s on s.organization_id = e.organization_id and s.active and e.event = any (s.events) and s.created_at <= e.at
    on conflict (subscription_id, event_id) do nothing
  `.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}

export interface DueWebhookDelivery {
  id: number;
  subscription_id: number;
  event: string;
  payload: JsonObject;
  attempts: number;
  url: string;
  secret: string;
}

/** Claims due deliveries (pending, retrying, or sending with an expired lease) of active subscriptions. */
export async function claimDueWebhookDeliveries(db: Db, limit: number, leaseMs: number): Promise<DueWebhookDelivery[]> {
  const { rows } = await sql<DueWebhookDelivery>`
    with due as (
      select w.id from webhook_deliveries w
        join webhook_subscriptions s on s.id = w.subscription_id and s.active
       where (w.status in ('pending', 'retrying') and w.next_attempt_at <= now())
          or (w.status = 'sending' and w.lease_until < now())
       order by w.next_attempt_at
       limit ${limit}
       for update of w skip locked
    )
    update webhook_deliveries w
       set status = 'sending', attempts = w.attempts + 1, lease_until = now() + ${leaseMs}::integer * interval '1 millisecond', updated_at = now()
      from due, webhook_subscriptions s
     where w.id = due.id and s.id = w.subscription_id
    returning w.id, w.subscription_id, w.event, w.payload, w.attempts, s.url, s.secret
  `.execute(db);
  return rows;
}

export async function recordWebhookOutcome(
  db: Db,
  id: number,
  outcome: { status: 'delivered' | 'retrying' | 'failed'; statusCode: number | null; error: string | null; retryInMs?: number },
): Promise<void> {
  await sql`
    update webhook_deliveries
       set status = ${outcome.status},
           last_status_code = ${outcome.statusCode},
           last_error = ${outcome.error?.slice(0, 2000) ?? null},
           delivered_at = case when ${outcome.status} = 'delivered' then now() else delivered_at end,
           next_attempt_at = now() + ${outcome.retryInMs ?? 0}::integer * interval '1 millisecond',
           lease_until = null,
           updated_at = now()
     where id = ${id}
  `.execute(db);
}

// ---- event scan -----------------------------------------------------------------------------------------------------

export interface ScannedDocument {
  fn: string;
  fd: number;
  form: number;
  received_at: Date;
  persisted_at: Date;
  date_time: string | null;
  total_sum: number | null;
  operation_type: number | null;
  fiscal_sign: number | null;
  shift_number: number | null;
  kkt_reg_id: string | null;
  register_id: number | null;
  organization_id: number;
}

export interface ScannedFnsStatus {
  fn: string;
  fd: number;
  form: number;
  status: string;
  errors: JsonObject[];
  updated_at: Date;
  organization_id: number;
}

/** The scan window of `name`: from its last end minus `overlapMs` (late commits) to now (PostgreSQL's clock). */
export async function scanWindow(db: Db, name: string, overlapMs: number): Promise<{ from: Date; to: Date }> {
  const { rows } = await sql<{ from: Date; to: Date }>`
    select coalesce((select scanned_to from webhook_scan_state where name = ${name}), now()) - ${overlapMs}::integer * interval '1 millisecond' as "from",
           now() as "to"
  `.execute(db);
  return rows[0]!;
}

export async function saveScanPosition(db: Db, name: string, to: Date): Promise<void> {
  await sql`
    insert into webhook_scan_state (name, scanned_to) values (${name}, ${to})
    on conflict (name) do update set scanned_to = greatest(webhook_scan_state.scanned_to, excluded.scanned_to)
  `.execute(db);
}

/**
 * Documents persisted in (from, to] of organizations with an active subscription.
 *
 * Driven by the subscribed organizations: for each, one range of documents_user_inn_persisted_at_idx (migration 0015),
 * so a scan costs what those organizations persisted since the last one, whatever the table holds and whoever else
 * sends; with no active subscription it reads nothing. received_at is bounded too (`receivedWindowMs` before `from`),
 * which prunes the scan to recent partitions: a document persisted later than that after it arrived raises no event.
 */
export async function scanPersistedDocuments(db: Db, from: Date, to: Date, receivedWindowMs: number, limit: number): Promise<ScannedDocument[]> {
  const { rows } = await sql<ScannedDocument>`
    select d.fn, d.fd, d.form, d.received_at, d.persisted_at, d.date_time, d.total_sum, d.operation_type, d.fiscal_sign,
           d.shift_number, ${kktRegIdOf('d')} as kkt_reg_id, d.register_id, o.id as organization_id
      from organizations o
      cross join lateral (
        select d.* from documents d
         where d.user_inn = o.inn
           and d.persisted_at > ${from} and d.persisted_at <= ${to}
           and d.received_at >= ${from}::timestamptz - ${receivedWindowMs}::integer * interval '1 millisecond'
         order by d.persisted_at
         limit ${limit}
      ) d
     where o.id in (select s.organization_id from webhook_subscriptions s where s.active)
     order by d.persisted_at
     limit ${limit}
  `.execute(db);
  return rows;
}

/**
 * FNS outcomes (answers and dead) recorded in (from, to] for organizations with an active subscription.
 *
 * A range of fns_status_outcome_updated_at_idx (migration 0016): a scan reads the outcomes recorded since the last one,
 * not the table. Which organization an outcome belongs to is only known through its document, so every new outcome is
 * joined before the subscription filter; with no active subscription at all, nothing is read (a one-time filter).
 */
export async function scanFnsStatusChanges(db: Db, from: Date, to: Date, limit: number): Promise<ScannedFnsStatus[]> {
  const { rows } = await sql<ScannedFnsStatus>`
    select f.fn, f.fd, d.form, f.status, coalesce(f.errors, '[]'::jsonb) as errors, f.updated_at, o.id as organization_id
      from fns_status f
      join document_keys k on k.fn = f.fn and k.fd = f.fd
      join documents d on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
      join organizations o on o.inn = d.user_inn
     where exists (select 1 from webhook_subscriptions where active)
       and f.updated_at > ${from} and f.updated_at <= ${to}
       and f.status in ('accepted', 'accepted_with_warnings', 'rejected', 'quarantine', 'dead')
       and exists (select 1 from webhook_subscriptions s where s.organization_id = o.id and s.active)
     order by f.updated_at
     limit ${limit}
  `.execute(db);
  return rows;
}
