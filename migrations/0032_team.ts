// Self-service onboarding (issue 16), part 2: invitations by e-mail (the invitee may not have an account yet) and
// memberships limited to chosen outlets or registers (a shop manager sees only their shop).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (col) => col.notNull().check(sql`email = lower(email)`))
    .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('owner', 'admin', 'accountant', 'viewer')`))
    .addColumn('outlet_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('register_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    // SHA-256 of the token in the link; the token itself is only in the e-mail.
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('invited_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('invitations_organization_id_idx').on('invitations').columns(['organization_id', 'id']).execute();

  // No row: the membership reaches the whole organization. A row: only these outlets' registers and these registers.
  await db.schema
    .createTable('membership_limits')
    .addColumn('organization_id', 'bigint', (col) => col.notNull())
    .addColumn('user_id', 'bigint', (col) => col.notNull())
    .addColumn('outlet_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('register_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('membership_limits_pkey', ['organization_id', 'user_id'])
    .addForeignKeyConstraint('membership_limits_membership_fkey', ['organization_id', 'user_id'], 'memberships', ['organization_id', 'user_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('membership_limits').execute();
  await db.schema.dropTable('invitations').execute();
}
