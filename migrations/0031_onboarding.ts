// Self-service onboarding (issue 16), part 1: what a customer states about its organization when it registers it
// (head, tax systems), the operator's versioned offer and who accepted which version, claims on an INN another account
// holds, and the action log («Журнал действий»).
//
// Tables of their own rather than columns on organizations / organization_details: organizations belongs to the persist
// worker's hot path, and columns added by ALTER would not come back at the same position after down → up.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

/** The first offer text; later versions are published by the operator (POST /api/v1/offers). */
const FIRST_OFFER = `Публичная оферта на оказание услуг оператора фискальных данных

1. Оператор фискальных данных (ОФД) обязуется принимать фискальные документы контрольно-кассовой техники (ККТ)
   Пользователя, обеспечивать их хранение и передачу в налоговые органы в соответствии с Федеральным законом
   от 22.05.2003 № 54-ФЗ, а Пользователь — оплачивать услуги.
2. Акцептом оферты является нажатие кнопки «Принять оферту» в личном кабинете. Дата, время, адрес и браузер,
   с которых принята оферта, записываются.
3. Пользователь подтверждает, что действует от имени организации (ИП), ИНН которой указан при регистрации.
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organization_profiles')
    .addColumn('organization_id', 'bigint', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('head_name', 'text', (col) => col.notNull())
    .addColumn('head_title', 'text', (col) => col.notNull())
    // Codes of src/domain/organization-requisites.ts (osn, usn_income, usn_income_expense, esn, patent).
    .addColumn('tax_systems', sql`text[]`, (col) => col.notNull())
    .addColumn('created_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('offer_versions')
    .addColumn('version', 'text', (col) => col.primaryKey().check(sql`version ~ '^[0-9A-Za-z._-]{1,40}$'`))
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('published_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await sql`insert into offer_versions (version, title, body) values ('2026-12-01', 'Публичная оферта ОФД', ${FIRST_OFFER})`.execute(db);

  await db.schema
    .createTable('offer_acceptances')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('offer_version', 'text', (col) => col.notNull().references('offer_versions.version'))
    .addColumn('user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('user_email', 'text', (col) => col.notNull())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('user_agent', 'text', (col) => col.notNull())
    .addColumn('accepted_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addUniqueConstraint('offer_acceptances_organization_version_key', ['organization_id', 'offer_version'])
    .execute();

  await db.schema
    .createTable('inn_claims')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('claimant_user_id', 'bigint', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'rejected', 'withdrawn')`))
    .addColumn('comment', 'text')
    .addColumn('decided_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('decided_by_operator', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  // One open claim per claimant and organization.
  await sql`create unique index inn_claims_open_key on inn_claims (organization_id, claimant_user_id) where status = 'pending'`.execute(db);
  await db.schema.createIndex('inn_claims_claimant_idx').on('inn_claims').column('claimant_user_id').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.references('organizations.id').onDelete('cascade'))
    .addColumn('actor_kind', 'text', (col) => col.notNull().check(sql`actor_kind in ('user', 'operator', 'apiKey', 'system')`))
    .addColumn('actor_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('actor_email', 'text')
    .addColumn('actor_api_key_id', 'bigint')
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('audit_log_organization_id_idx').on('audit_log').columns(['organization_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('inn_claims').execute();
  await db.schema.dropTable('offer_acceptances').execute();
  await db.schema.dropTable('offer_versions').execute();
  await db.schema.dropTable('organization_profiles').execute();
}
