// Access to the cabinet API (issue 6): users, one-time e-mail tokens, memberships with roles, per-organization API keys,
// and the organization details customers keep (KPP, OGRN, addresses, VAT, e-document operator).
//
// Secrets are never stored: passwords as argon2id PHC strings, e-mail tokens and API keys as SHA-256 digests (they are
// 256-bit random values, so a fast digest is enough). An API key is found by its public prefix, then its digest is
// compared in constant time.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A table of its own rather than columns on organizations: that table belongs to the persist worker's hot path.
  await db.schema
    .createTable('organization_details')
    .addColumn('organization_id', 'bigint', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('kpp', 'text', (col) => col.check(sql`kpp ~ '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$'`))
    .addColumn('ogrn', 'text', (col) => col.check(sql`ogrn ~ '^([0-9]{13}|[0-9]{15})$'`))
    .addColumn('legal_address', 'text')
    .addColumn('postal_address', 'text')
    .addColumn('vat_payer', 'boolean')
    .addColumn('edo_operator', 'text')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    // Lower-cased by the application; unique as stored.
    .addColumn('email', 'text', (col) => col.notNull().unique().check(sql`email = lower(email)`))
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending').check(sql`status in ('pending', 'active', 'disabled')`))
    // Part of every session token: bumping it (password reset) ends every session issued before.
    .addColumn('token_version', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('email_confirmed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (col) => col.notNull().check(sql`purpose in ('confirm_email', 'reset_password')`))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('user_tokens_user_id_idx').on('user_tokens').columns(['user_id', 'purpose']).execute();

  await db.schema
    .createTable('memberships')
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('owner', 'admin', 'accountant', 'viewer')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('memberships_pkey', ['organization_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_id_idx').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    // The public part of the key (shown in lists, used to find the row); the digest covers the whole key.
    .addColumn('prefix', 'text', (col) => col.modifyFront(sql`collate "C"`).notNull().unique())
    .addColumn('key_hash', 'text', (col) => col.notNull())
    .addColumn('scopes', sql`text[]`, (col) => col.notNull())
    .addColumn('created_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_organization_id_idx').on('api_keys').column('organization_id').execute();

  // Tenant-scoped document lists: a customer's documents are those carrying its INN (1018), newest first.
  await db.schema.createIndex('documents_user_inn_received_at_idx').on('documents').columns(['user_inn', 'received_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('documents_user_inn_received_at_idx').execute();
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('memberships').execute();
  await db.schema.dropTable('user_tokens').execute();
  await db.schema.dropTable('users').execute();
  await db.schema.dropTable('organization_details').execute();
}
