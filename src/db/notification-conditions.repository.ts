/**
 * What the condition notifications read (src/workers/notify/conditions.ts): an organization's registers and their OFD
 * service, the rhythm of an FN's documents, the documents that failed the ФЛК or the FNS rejected in a window, and
 * how far the evaluation has scanned. A register whose documents carry another organization's INN is a conflict for
 * the operator, not the claimant's (issue 13): it raises no condition.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

const notConflicting = sql`not exists (select 1 from register_document_owners o where o.register_id = g.id and o.organization_id <> g.organization_id)`;

export interface ConditionRegister {
  readonly id: number;
  readonly registration_number: string;
  readonly status: string;
  readonly service_until: string | null;
}

export async function conditionRegisters(db: Db, organizationId: number): Promise<ConditionRegister[]> {
  const { rows } = await sql<ConditionRegister>`
    select g.id::int as id, g.registration_number, g.status, s.service_until
      from registers g left join ofd_services s on s.register_id = g.id
     where g.organization_id = ${organizationId}
       and ${notConflicting}
     order by g.id
  `.execute(db);
  return rows;
}

/** When the FN's last `limit` documents were received, newest first. */
export async function lastReceivedTimes(db: Db, fn: string, limit: number): Promise<Date[]> {
  const { rows } = await sql<{ received_at: Date }>`
    select received_at from document_keys where fn = ${fn} order by fd desc limit ${limit}
  `.execute(db);
  return rows.map((r) => r.received_at);
}

/** Documents of the organization persisted in (from, to] that failed the ФЛК. */
export async function flkFailedDocuments(
  db: Db,
  organizationId: number,
  from: Date,
  to: Date,
): Promise<{ fn: string; fd: string; form: number; flk_codes: string[]; received_at: Date }[]> {
  const { rows } = await sql<{ fn: string; fd: string; form: number; flk_codes: string[]; received_at: Date }>`
    select d.fn, d.fd::text as fd, d.form, coalesce(d.flk_codes, '{}') as flk_codes, d.received_at
      from documents d join registers g on g.id = d.register_id
     where g.organization_id = ${organizationId} and ${notConflicting} and d.flk_status = 'failed' and d.persisted_at > ${from} and d.persisted_at <= ${to}
     order by d.persisted_at limit 1000
  `.execute(db);
  return rows;
}

/** Documents of the organization the FNS rejected in (from, to]. */
export async function fnsRejectedDocuments(db: Db, organizationId: number, from: Date, to: Date): Promise<{ fn: string; fd: string }[]> {
  const { rows } = await sql<{ fn: string; fd: string }>`
    select s.fn, s.fd::text as fd
      from fns_status s join documents d on d.fn = s.fn and d.fd = s.fd join registers g on g.id = d.register_id
     where g.organization_id = ${organizationId} and ${notConflicting} and s.status = 'rejected' and s.updated_at > ${from} and s.updated_at <= ${to}
     order by s.updated_at limit 1000
  `.execute(db);
  return rows;
}

export async function organizationIds(db: Db): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`select id::int as id from organizations order by id`.execute(db);
  return rows.map((r) => r.id);
}

/** Where the scan `name` ended last (webhook_scan_state), or undefined. */
export async function scannedTo(db: Db, name: string): Promise<Date | undefined> {
  const { rows } = await sql<{ scanned_to: Date }>`select scanned_to from webhook_scan_state where name = ${name}`.execute(db);
  return rows[0]?.scanned_to;
}

export async function saveScannedTo(db: Db, name: string, at: Date): Promise<void> {
  await sql`
    insert into webhook_scan_state (name, scanned_to) values (${name}, ${at})
    on conflict (name) do update set scanned_to = excluded.scanned_to
  `.execute(db);
}
