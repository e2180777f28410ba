/**
 * What the sweeps of the fns-kkt and exports workers read, and the few rows their steps touch outside their own
 * repositories (src/workers/fns/kkt-registration.*, src/workers/exports/exports.worker.ts): PostgreSQL, not Redis,
 * is the record of what is left to do.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { KktApplicationStatus } from './tables/kkt-applications.js';

type Db = Kysely<Database>;

/** KKT registration applications with a step to do (not in a final status), oldest first. */
export async function pendingKktApplications(db: Db, statuses: readonly KktApplicationStatus[], limit: number): Promise<{ id: number; status: KktApplicationStatus }[]> {
  return db
    .selectFrom('kkt_applications')
    .select(['id', 'status'])
    .where('status', 'in', [...statuses])
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The applicant of a KKT application: its organization's INN, name and KPP. */
export async function kktApplicant(db: Db, organizationId: number): Promise<{ inn: string; name: string | null; kpp: string | null | undefined }> {
  const org = await db.selectFrom('organizations').select(['inn', 'name']).where('id', '=', organizationId).executeTakeFirstOrThrow();
  const details = await db.selectFrom('organization_details').select(['kpp']).where('organization_id', '=', organizationId).executeTakeFirst();
  return { inn: org.inn, name: org.name, kpp: details?.kpp };
}

/** A register the FNS took off the register: lists and condition notifications stop expecting documents from it. */
export async function markRegisterDeregistered(db: Db, registrationNumber: string, organizationId: number): Promise<void> {
  await db.updateTable('registers').set({ status: 'deregistered' }).where('registration_number', '=', registrationNumber).where('organization_id', '=', organizationId).execute();
}

/** Export jobs to run: queued, or running under a lease that ran out. */
export async function runnableExportJobs(db: Db, limit: number): Promise<{ id: number; attempts: number }[]> {
  const { rows } = await sql<{ id: number; attempts: number }>`
    select id::int as id, attempts from export_jobs
     where status = 'queued' or (status = 'running' and lease_until < now())
     order by id limit ${limit}`.execute(db);
  return rows;
}

/** Finished exports whose e-mail is still to be sent (a minute after they finished). */
export async function exportEmailsDue(db: Db, limit: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select id::int as id from export_jobs where status = 'done' and email_status = 'pending' and finished_at < now() - interval '1 minute' order by id limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}
