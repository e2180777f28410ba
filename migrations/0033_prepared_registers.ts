// Self-service onboarding (issue 16), part 3: registers a customer adds before they have a registration number (РНМ),
// by KKT serial number and FN number, and the imports that added them. When the registration report arrives through
// the gateway, the persist worker links the prepared register to the registers row the report made (matched by serial
// and FN); a serial two organizations claim is flagged (conflict), never merged silently.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('prepared_registers')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('outlet_id', 'bigint', (col) => col.references('outlets.id').onDelete('set null'))
    // 1013 kktNumber and 1041 fiscalDriveNumber as the customer typed them (digits only, checked by the API).
    .addColumn('serial_number', 'text', (col) => col.notNull())
    .addColumn('fn', 'text', (col) => col.notNull().check(sql`fn ~ '^[0-9]{16}$'`))
    .addColumn('partner_code', 'text')
    .addColumn('stage', 'text', (col) => col.notNull().defaultTo('added').check(sql`stage in ('added', 'awaiting_registration')`))
    .addColumn('register_id', 'bigint', (col) => col.references('registers.id').onDelete('set null'))
    .addColumn('matched_at', 'timestamptz')
    // Why the register could not be matched automatically (serial_claimed_elsewhere, inn_mismatch, fn_mismatch).
    .addColumn('conflict', 'text')
    .addColumn('conflict_at', 'timestamptz')
    .addColumn('import_id', 'bigint')
    .addColumn('created_by_user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addUniqueConstraint('prepared_registers_organization_serial_key', ['organization_id', 'serial_number'])
    .execute();
  await db.schema.createIndex('prepared_registers_serial_idx').on('prepared_registers').column('serial_number').execute();
  await db.schema.createIndex('prepared_registers_register_id_idx').on('prepared_registers').column('register_id').execute();

  await db.schema
    .createTable('register_imports')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('file_name', 'text')
    .addColumn('mode', 'text', (col) => col.notNull().check(sql`mode in ('all_or_nothing', 'valid_rows')`))
    .addColumn('rows_total', 'integer', (col) => col.notNull())
    .addColumn('rows_invalid', 'integer', (col) => col.notNull())
    .addColumn('rows_imported', 'integer', (col) => col.notNull())
    .addColumn('rows_existing', 'integer', (col) => col.notNull())
    // [{ row, column, field, message }], at most the first 1 000.
    .addColumn('errors', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('register_imports_organization_id_idx').on('register_imports').columns(['organization_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('register_imports').execute();
  await db.schema.dropTable('prepared_registers').execute();
}
