// Two small changes found while measuring disk per receipt (issue 12 target 4).
//
// 1. raw_contexts rows can no longer be updated, deleted or truncated. Every codec-2 container of a fiscal drive names
//    its context by key (migration 0081): a row changed or gone would leave those containers unreadable — caught (the
//    key is a hash of the container), but the documents could then only be rebuilt from the context's own documents
//    row. The code never changes a row; now the database refuses it too, with what the row is for. Going down from
//    0081 drops the whole table (DROP fires no row trigger), after repacking every container that needs it.
//
// 2. notify_deliveries_organization_idx (organization_id, updated_at), from migration 0010, goes: no query reads it
//    (deliveries are read by their document's key, and pending ones by notify_deliveries_pending_idx), and every
//    e-receipt wrote two entries into it (its row is written when the send starts and again when it ends). Its one
//    use left was the foreign key's ON DELETE SET NULL: deleting an organization now reads notify_deliveries whole —
//    nothing in this project deletes one (organizations are disabled, never removed).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const HINT = sql.lit('to stop using drive contexts, migrate down past 0081: it repacks every container with the dictionary alone first');

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function ofd_raw_context_kept() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        raise exception 'raw_contexts is never emptied: the documents of every fiscal drive in it are packed with its row (migration 0081)'
          using errcode = 'restrict_violation', hint = ${HINT};
      end if;
      raise exception 'raw_contexts rows are never changed nor removed: this one is what the documents of fiscal drive % are packed with (migration 0081)', old.fn
        using errcode = 'restrict_violation', hint = ${HINT};
    end $$`.execute(db);
  await sql`create trigger raw_contexts_kept before update or delete on raw_contexts for each row execute function ofd_raw_context_kept()`.execute(db);
  await sql`create trigger raw_contexts_kept_whole before truncate on raw_contexts for each statement execute function ofd_raw_context_kept()`.execute(db);
  await sql`drop index if exists notify_deliveries_organization_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists notify_deliveries_organization_idx on notify_deliveries (organization_id, updated_at)`.execute(db);
  await sql`drop trigger raw_contexts_kept_whole on raw_contexts`.execute(db);
  await sql`drop trigger raw_contexts_kept on raw_contexts`.execute(db);
  await sql`drop function ofd_raw_context_kept()`.execute(db);
}
