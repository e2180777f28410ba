// Exports (issue 15): receipt lists and shift summaries written as csv/xlsx in the background, and the «Выгрузки»
// settings that make them after each closed shift, daily or monthly.
//
// export_jobs is both the job list the cabinet shows (status, progress) and the exactly-once guard of scheduled
// exports: one row per (setting, period key) — a shift (`shift:<fn>:<n>`), a day (`day:YYYY-MM-DD`) or a month
// (`month:YYYY-MM`) — so a shift.closed seen twice, or a worker restarted mid-way, never makes a second file or e-mail.
// The file itself is kept in PostgreSQL in 1 MiB chunks (export_chunks): every API instance can serve it, and it goes
// with the job row.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table export_settings (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      schedule text not null check (schedule in ('shift_closed', 'daily', 'monthly')),
      -- Registers whose documents go in; null: all of the organization's.
      register_ids bigint[],
      content text not null check (content in ('receipt_items', 'shift_summary')),
      format text not null check (format in ('csv', 'xlsx')),
      -- Recipients; empty: the organization's owners and admins.
      emails text[] not null default '{}',
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index export_settings_organization_idx on export_settings (organization_id)`.execute(db);

  await sql`
    create table export_jobs (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      setting_id bigint references export_settings (id) on delete set null,
      period_key text,
      content text not null check (content in ('receipts', 'receipt_items', 'shift_summary')),
      format text not null check (format in ('csv', 'xlsx')),
      -- The GET /documents filters (or the shift / period of a scheduled one), as given.
      filters jsonb not null default '{}'::jsonb,
      title text not null,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      rows_total bigint,
      rows_done bigint not null default 0,
      byte_size bigint,
      file_name text,
      attempts integer not null default 0,
      lease_until timestamptz,
      error text,
      emails text[] not null default '{}',
      email_status text not null default 'none' check (email_status in ('none', 'pending', 'sent', 'failed')),
      requested_by bigint,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      constraint export_jobs_setting_period_key unique (setting_id, period_key)
    )
  `.execute(db);
  await sql`create index export_jobs_organization_idx on export_jobs (organization_id, id desc)`.execute(db);
  await sql`create index export_jobs_due_idx on export_jobs (id) where status in ('queued', 'running') or email_status = 'pending'`.execute(db);

  await sql`
    create table export_chunks (
      export_id bigint not null references export_jobs (id) on delete cascade,
      seq integer not null,
      data bytea not null,
      primary key (export_id, seq)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists export_chunks`.execute(db);
  await sql`drop table if exists export_jobs`.execute(db);
  await sql`drop table if exists export_settings`.execute(db);
}
