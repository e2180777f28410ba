// A document's registration number (1037 kktRegId) as read from documents (issue 12 target 4, disk per receipt).
// documents.register_id is resolved from kkt_reg_id alone (workers/persist/registry.ts, documentRegistryIds), and a
// register's registration_number is never changed nor its row deleted, so wherever register_id is set, kkt_reg_id is
// that register's number: OFD_STORE_USUAL_AS_NULL stores null there (≈ 17 bytes a document) and every reader takes
// the register's number. Rows that spell it out read as before.
import { sql, type RawBuilder } from 'kysely';

/** SQL text of `alias`.kkt_reg_id, or its register's number when the row leaves it null (alias: a constant of ours). */
export function kktRegIdSql(alias: string): string {
  return `coalesce(${alias}.kkt_reg_id, (select r.registration_number from registers r where r.id = ${alias}.register_id))`;
}

/** `table`.kkt_reg_id, or its register's number when the row leaves it null. */
export function kktRegIdOf(table: string): RawBuilder<string | null> {
  return sql<string | null>`${sql.raw(kktRegIdSql(table))}`;
}
