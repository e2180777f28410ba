// KKT registration applications (migration 0040): each status change is a guarded update (`where status in (…)`) and
// an event in the same transaction, so concurrent workers and re-delivered jobs move an application at most once, and
// its history is exactly its transitions. A transition that also notifies the customer queues the e-mail (notify
// outbox) in that transaction.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { enqueueNotificationEmails } from './notifications.repository.js';
import type { KktApplication, KktApplicationEvent, KktApplicationStatus, KktApplicationsTable } from './tables/kkt-applications.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewKktApplication {
  organizationId: number;
  kind: KktApplicationsTable['kind'];
  input: JsonObject;
  kktSerial: string;
  fnSerial: string;
  xml: string;
  fileId: string;
  userId: number | null;
}

export async function createKktApplication(db: Kysely<Database>, a: NewKktApplication): Promise<KktApplication> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('kkt_applications')
      .values({
        organization_id: a.organizationId,
        kind: a.kind,
        input: JSON.stringify(a.input),
        kkt_serial: a.kktSerial,
        fn_serial: a.fnSerial,
        xml: a.xml,
        file_id: a.fileId,
        created_by_user_id: a.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await addEvent(trx, row.id, 'draft', 'Заявление подготовлено, ждёт подписи');
    return row;
  });
}

export async function addEvent(db: Db, applicationId: number, status: string, message: string, data?: JsonObject): Promise<void> {
  await db
    .insertInto('kkt_application_events')
    .values({ application_id: applicationId, status, message, data: data === undefined ? null : JSON.stringify(data) })
    .execute();
}

export const findKktApplication = (db: Db, id: number): Promise<KktApplication | undefined> =>
  db.selectFrom('kkt_applications').selectAll().where('id', '=', id).executeTakeFirst();

export const listKktApplications = (db: Db, organizationIds: readonly number[] | 'all', limit: number): Promise<KktApplication[]> => {
  let q = db.selectFrom('kkt_applications').selectAll().orderBy('id', 'desc').limit(limit);
  if (organizationIds !== 'all') q = q.where('organization_id', 'in', organizationIds.length > 0 ? [...organizationIds] : [-1]);
  return q.execute();
};

export const eventsOfKktApplication = (db: Db, id: number): Promise<KktApplicationEvent[]> =>
  db.selectFrom('kkt_application_events').selectAll().where('application_id', '=', id).orderBy('id').execute();

export type KktApplicationPatch = Partial<{
  signature: Buffer;
  signer: JsonObject;
  signed_at: Date;
  fns_application_id: string;
  kkt_reg_id: string;
  refusal: JsonObject;
  report: JsonObject;
  mismatch: JsonObject | null;
}>;

function patchColumns(p: KktApplicationPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    out[k] = v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v) ? JSON.stringify(v) : v;
  }
  return out;
}

export interface Transition {
  from: readonly KktApplicationStatus[];
  to: KktApplicationStatus;
  message: string;
  patch?: KktApplicationPatch;
  data?: JsonObject;
  /** E-mail the organization's owners and admins (notify outbox). */
  notify?: { subject: string; text: string };
}

/**
 * Moves the application from one of `t.from` to `t.to` with its patch, records the event and queues the notification;
 * undefined (and nothing written) when it is not in one of `t.from` any more.
 */
export function transitionKktApplication(db: Kysely<Database>, id: number, t: Transition): Promise<KktApplication | undefined> {
  return db.transaction().execute((trx) => transitionKktApplicationIn(trx, id, t));
}

/** transitionKktApplication inside the caller's transaction (the persist path's). */
export async function transitionKktApplicationIn(trx: Transaction<Database>, id: number, t: Transition): Promise<KktApplication | undefined> {
  {
    const row = await trx
      .updateTable('kkt_applications')
      .set({ ...patchColumns(t.patch ?? {}), status: t.to, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('status', 'in', [...t.from])
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await addEvent(trx, id, t.to, t.message, t.data);
    if (t.notify) await notifyOrganization(trx, row, t.to, t.notify);
    return row;
  }
}

async function notifyOrganization(trx: Transaction<Database>, row: KktApplication, status: string, mail: { subject: string; text: string }): Promise<void> {
  const { rows } = await sql<{ id: number }>`
    insert into notification_events (organization_id, kind, subject, threshold, data, fired_at)
    values (${row.organization_id}, 'kkt.application', ${`application:${row.id}`}, ${status},
            ${JSON.stringify({ applicationId: row.id, status, kktRegId: row.kkt_reg_id })}::jsonb, now())
    returning id
  `.execute(trx);
  const { rows: off } = await sql<{ off: boolean }>`
    select 'kkt.application' = any (disabled_kinds) as off from notification_rules where organization_id = ${row.organization_id}
  `.execute(trx);
  if (off[0]?.off) return;
  await enqueueNotificationEmails(trx, rows[0]!.id, row.organization_id, mail);
}

/** Applications waiting for the registration report of this РНМ. */
export const awaitingReport = (db: Db, kktRegIds: readonly string[]): Promise<KktApplication[]> =>
  kktRegIds.length === 0
    ? Promise.resolve([])
    : db.selectFrom('kkt_applications').selectAll().where('status', '=', 'rnm_assigned').where('kkt_reg_id', 'in', [...kktRegIds]).execute();

/** Records a mismatching report once per distinct mismatch (the same report re-sent adds no event). */
export async function recordMismatch(trx: Transaction<Database>, id: number, mismatch: JsonObject, message: string): Promise<boolean> {
  {
    const r = await trx
      .updateTable('kkt_applications')
      .set({ mismatch: JSON.stringify(mismatch), updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('status', '=', 'rnm_assigned')
      .where(sql<boolean>`mismatch is distinct from ${JSON.stringify(mismatch)}::jsonb`)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await addEvent(trx, id, 'rnm_assigned', message, mismatch);
    return true;
  }
}
