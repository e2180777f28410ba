// Who a register's documents say it belongs to (issue 13, item 5: register squatting).
//
// registers.organization_id is a claim: a customer may add a register by its registration number (РНМ) before any of
// its documents arrive, and without a registration report nothing corrected that claim, so the claimant read another
// organization's shifts, Z-reports, fiscal drives and reports. Every document-derived view now follows this table
// instead: the organization of the INN (1018) the register's own documents carry, written by the persist worker. A
// register whose claim and documents disagree is a conflict for the operator (`GET /api/v1/registers/conflicts`).
//
// A table of its own rather than a column on registers (see 0013): the persist path writes registers on every batch,
// and the up → down → up test compares column positions.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table register_document_owners (
      register_id bigint primary key references registers (id) on delete cascade,
      -- The organization of the INN the register's latest-seen documents carry.
      organization_id bigint not null references organizations (id),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index register_document_owners_organization_id_idx on register_document_owners (organization_id)`.execute(db);
  // Registers that already have documents: the INN of each one's newest document.
  await sql`
    insert into register_document_owners (register_id, organization_id)
    select r.id, o.id
      from (select distinct on (kkt_reg_id) kkt_reg_id, user_inn from documents
             where kkt_reg_id is not null and user_inn is not null
             order by kkt_reg_id, received_at desc) d
      join registers r on r.registration_number = d.kkt_reg_id
      join organizations o on o.inn = d.user_inn
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists register_document_owners`.execute(db);
}
