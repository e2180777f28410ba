// «Выгрузки» settings (issue 15): export_settings, and what scheduling a setting's jobs reads — its recipients, the
// shift's opening, the closing reports to react to. The schedule's rules live in exports/export-schedule.ts.
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { kktRegIdOf } from './kkt-reg-id.js';

type Db = Kysely<Database>;

/** An enabled setting as the scheduler reads it. */
export interface ExportSettingRow {
  id: number;
  organization_id: number;
  schedule: string;
  content: string;
  format: string;
  register_ids: string[] | null;
  emails: string[];
  created_at: Date;
}

/** A setting as the API shows and replaces it. */
export interface ExportSetting {
  schedule: 'shift_closed' | 'daily' | 'monthly';
  registerIds: number[] | null;
  content: 'receipt_items' | 'shift_summary';
  format: 'csv' | 'xlsx';
  emails: string[];
  enabled: boolean;
}

/** The organization's settings, in the order they were made. */
export async function exportSettingsOf(db: Db, organizationId: number): Promise<Array<ExportSetting & { id: number }>> {
  const { rows } = await sql<{ id: number; schedule: ExportSetting['schedule']; register_ids: string[] | null; content: ExportSetting['content']; format: ExportSetting['format']; emails: string[]; enabled: boolean }>`
    select id::int as id, schedule, register_ids::text[] as register_ids, content, format, emails, enabled
      from export_settings where organization_id = ${organizationId} order by id`.execute(db);
  return rows.map((r) => ({ id: r.id, schedule: r.schedule, registerIds: r.register_ids?.map(Number) ?? null, content: r.content, format: r.format, emails: r.emails, enabled: r.enabled }));
}

/** Replaces the organization's settings (jobs keep pointing at their setting only while it exists: on delete set null). */
export async function replaceExportSettings(db: Db, organizationId: number, settings: readonly ExportSetting[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('export_settings').where('organization_id', '=', organizationId).execute();
    for (const s of settings) {
      await sql`insert into export_settings (organization_id, schedule, register_ids, content, format, emails, enabled)
                values (${organizationId}, ${s.schedule}, ${s.registerIds}::bigint[], ${s.content}, ${s.format}, ${s.emails}::text[], ${s.enabled})`.execute(trx);
    }
  });
}

/** Enabled settings of a schedule (of these organizations only, when given). */
export async function enabledExportSettings(db: Db, schedule: string, organizationIds?: readonly number[]): Promise<ExportSettingRow[]> {
  const { rows } = await sql<ExportSettingRow>`
    select id::int as id, organization_id::int as organization_id, schedule, content, format, register_ids::text[] as register_ids, emails, created_at
      from export_settings
     where enabled and schedule = ${schedule}
       ${organizationIds ? sql`and organization_id = any(${[...organizationIds]}::bigint[])` : sql``}
     order by id`.execute(db);
  return rows;
}

/** The organization's active owners and admins' e-mails. */
export async function ownerAndAdminEmails(db: Db, organizationId: number): Promise<string[]> {
  const { rows } = await sql<{ email: string }>`
    select u.email from memberships m join users u on u.id = m.user_id
     where m.organization_id = ${organizationId} and m.role in ('owner', 'admin') and u.status = 'active' order by u.email`.execute(db);
  return rows.map((r) => r.email);
}

/** A setting's job for one period, made once (`on conflict (setting_id, period_key) do nothing`); its id when new. */
export async function insertScheduledExportJob(
  db: Db,
  s: ExportSettingRow,
  job: { periodKey: string; filters: JsonObject; title: string; emails: readonly string[] },
): Promise<number | undefined> {
  const { rows } = await sql<{ id: number }>`
    insert into export_jobs (organization_id, setting_id, period_key, content, format, filters, title, emails)
    values (${s.organization_id}, ${s.id}, ${job.periodKey}, ${s.content}, ${s.format}, ${JSON.stringify(job.filters)}::jsonb, ${job.title}, ${job.emails}::text[])
    on conflict (setting_id, period_key) do nothing
    returning id::int as id`.execute(db);
  return rows[0]?.id;
}

/** When the FN's shift was opened (its opening report), if known. */
export async function shiftOpenedAt(db: Db, fn: string, shiftNumber: number): Promise<string | null | undefined> {
  const opened = await db.selectFrom('shifts').select('opened_at').where('fn', '=', fn).where('shift_number', '=', shiftNumber).executeTakeFirst();
  return opened?.opened_at;
}

export interface ClosingReportRow {
  fn: string;
  fd: number;
  shift_number: number | null;
  register_id: number | null;
  kkt_reg_id: string | null;
  date_time: string | null;
  persisted_at: Date;
  organization_id: number;
}

/** Closing reports (form 5) persisted in (from, to] of organizations with a shift_closed setting, oldest first. */
export async function closingReportsForExport(db: Db, from: Date, to: Date, limit: number): Promise<ClosingReportRow[]> {
  const { rows } = await sql<ClosingReportRow>`
    select d.fn, d.fd, d.shift_number, d.register_id, ${kktRegIdOf('d')} as kkt_reg_id, d.date_time, d.persisted_at, o.id::int as organization_id
      from organizations o
      cross join lateral (
        select d.* from documents d
         where d.user_inn = o.inn and d.form = 5 and d.persisted_at > ${from} and d.persisted_at <= ${to}
         order by d.persisted_at limit ${limit}
      ) d
     where o.id in (select s.organization_id from export_settings s where s.enabled and s.schedule = 'shift_closed')
     order by d.persisted_at limit ${limit}`.execute(db);
  return rows;
}
