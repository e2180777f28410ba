// The registry the persist worker derives from documents: who (organizations, by INN), where (outlets = places of
// settlement), which register (KKT, by registration number), which fiscal drive (FN), and shifts per FN.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead. Helpers are local on
// purpose (a shared helper changing later would silently change an old migration).
import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

/** Identifiers compared byte-wise: `collate "C"` makes btree comparisons a memcmp instead of a locale lookup. */
const byteOrder = (col: ColumnDefinitionBuilder) => col.modifyFront(sql`collate "C"`);
const now = sql`now()`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    // 1018 userInn, padding trimmed. The worker derives an organization only from a well-formed INN.
    .addColumn('inn', 'text', (col) =>
      byteOrder(col).notNull().unique().check(sql`inn ~ '^([0-9]{10}|[0-9]{12})$'`),
    )
    .addColumn('name', 'text') // 1048 user
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('outlets')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('organization_id', 'bigint', (col) => col.notNull().references('organizations.id').onDelete('restrict'))
    // 1009 retailPlaceAddress and 1187 retailPlace; '' (not NULL) when absent, so the pair is a plain unique key.
    .addColumn('address', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('place', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addUniqueConstraint('outlets_organization_address_place_key', ['organization_id', 'address', 'place'])
    .execute();

  await db.schema
    .createTable('registers')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    // 1037 kktRegId, padding trimmed: the register's identity at the FNS; survives FN replacements.
    .addColumn('registration_number', 'text', (col) => byteOrder(col).notNull().unique())
    .addColumn('serial_number', 'text') // 1013 kktNumber
    .addColumn('organization_id', 'bigint', (col) => col.references('organizations.id').onDelete('restrict'))
    .addColumn('outlet_id', 'bigint', (col) => col.references('outlets.id').onDelete('restrict'))
    .addColumn('ffd_version', 'smallint') // 1209: 1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2
    .addColumn('kkt_version', 'text') // 1188
    .addColumn('machine_number', 'text') // 1036
    .addColumn('taxation_types', 'smallint') // 1062 bitmask
    .addColumn('usage_conditions', 'bigint') // 1290 bitmask32 (unsigned, so int8)
    .addColumn('auto_mode', 'boolean') // 1001
    .addColumn('offline_mode', 'boolean') // 1002
    .addColumn('encryption_sign', 'boolean') // 1056
    .addColumn('internet_sign', 'boolean') // 1108
    // unknown: seen only in documents other than registration reports; fn_closed: form 6 seen, no new FN yet;
    // deregistered: set by ops / the FNS, never by a document.
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('unknown')
        .check(sql`status in ('unknown', 'active', 'fn_closed', 'deregistered')`),
    )
    .addColumn('registered_at', 'timestamp') // local wall clock of the latest registration report
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('registers_organization_id_idx').on('registers').column('organization_id').execute();
  await db.schema.createIndex('registers_outlet_id_idx').on('registers').column('outlet_id').execute();

  await db.schema
    .createTable('fiscal_drives')
    // 1041 fiscalDriveNumber: 16 digits, kept as text (leading zeros, no arithmetic).
    .addColumn('fn', 'text', (col) => byteOrder(col).primaryKey().check(sql`fn ~ '^[0-9]{1,16}$'`))
    .addColumn('register_id', 'bigint', (col) => col.references('registers.id').onDelete('restrict'))
    .addColumn('ffd_version', 'smallint') // 1190 documentFdVersion
    .addColumn('registered_at', 'timestamp') // local wall clock of its registration report
    .addColumn('registration_fd', 'bigint')
    // Expiry forecast inputs: validity of the model (13/15/36 months, ops-provided) and the key resource it reports.
    .addColumn('validity_months', 'smallint')
    .addColumn('key_resource_days', 'integer') // 1213 fdKeyResource
    .addColumn('key_resource_reported_at', 'timestamp')
    // Fill forecast inputs: the FD numbers seen and the drive's own warnings.
    .addColumn('first_fd', 'bigint') // lowest FD received: gaps are only counted above it
    .addColumn('last_fd', 'bigint') // highest FD received
    .addColumn('last_document_at', 'timestamp')
    .addColumn('exhaustion_sign', 'boolean') // 1050
    .addColumn('replace_required_sign', 'boolean') // 1051
    .addColumn('memory_exceeded_sign', 'boolean') // 1052
    .addColumn('not_transmitted_count', 'bigint') // 1097, from the latest shift report
    .addColumn('not_transmitted_since', 'timestamp') // 1098
    .addColumn('closed_at', 'timestamp') // form 6 closeArchive
    .addColumn('closed_fd', 'bigint')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addCheckConstraint('fiscal_drives_fd_range_check', sql`first_fd <= last_fd`)
    .execute();
  await db.schema.createIndex('fiscal_drives_register_id_idx').on('fiscal_drives').column('register_id').execute();

  await db.schema
    .createTable('shifts')
    .addColumn('fn', 'text', (col) => byteOrder(col).notNull().references('fiscal_drives.fn').onDelete('restrict'))
    .addColumn('shift_number', 'bigint', (col) => col.notNull()) // 1038, uint32
    .addColumn('register_id', 'bigint', (col) => col.references('registers.id').onDelete('restrict'))
    .addColumn('opened_at', 'timestamp') // local wall clock of the openShift report
    .addColumn('open_fd', 'bigint')
    .addColumn('closed_at', 'timestamp')
    .addColumn('close_fd', 'bigint')
    // From the closeShift report: 1118, 1111, 1097, and the counters 1194 shiftSumReports / 1157 fiscalDriveSumReports
    // as FNS JSON.
    .addColumn('receipts_quantity', 'bigint')
    .addColumn('documents_quantity', 'bigint')
    .addColumn('not_transmitted_count', 'bigint')
    .addColumn('closing_counters', 'jsonb')
    // Running counters over the receipts actually stored, by 1054 operationType, to compare with the closing report.
    .addColumn('received_receipts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('sell_total_sum', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('sell_return_total_sum', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('buy_total_sum', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('buy_return_total_sum', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('shifts_pkey', ['fn', 'shift_number'])
    .execute();
  await db.schema.createIndex('shifts_register_id_opened_at_idx').on('shifts').columns(['register_id', 'opened_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shifts').execute();
  await db.schema.dropTable('fiscal_drives').execute();
  await db.schema.dropTable('registers').execute();
  await db.schema.dropTable('outlets').execute();
  await db.schema.dropTable('organizations').execute();
}
