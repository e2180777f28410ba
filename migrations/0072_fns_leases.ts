// The FNS send lease leaves fns_status for a table of its own, fns_leases (issue 12 target 4, disk per receipt).
//
// Why: the fns worker inserted each document's fns_status row as 'sending' (the lease) and updated it with the answer
// a second later. The update found the heap page full (fillfactor 100) and wrote a new row version elsewhere with new
// index entries, so until a VACUUM every document held two rows and two primary-key entries: 424 bytes per document
// in a 2 000-register end-to-end run (`npm run loadtest -- --npm-start 1 --dist 1 --registers 2000 --seconds 20
// --prebuild 40 --forward 1 --keep-db 1`, table sizes of the kept database), against ≈ 200 for one row.
//
// Now a lease is a row of fns_leases, inserted by the claim and deleted with the outcome (src/db/fns-status.repository.ts),
// and fns_status is written once, with the answer (or 'retrying' / 'dead'). fns_leases holds only documents in flight;
// its deleted rows are reclaimed by (auto)vacuum, which visits a table this small often. No foreign key: a lease is
// taken only on a document the worker has just read (and a stale one is harmless: it expires).
//
// Existing fns_status rows stay as they are. A 'sending' row written before this migration keeps its lease: the claim
// skips it until lease_until, as before (an upgrade while a send is in flight does not send the document twice), and
// the outcome overwrites it. Readers show 'sending' for a document with a lease and no answer
// (src/db/fns-status-view.ts), as before. Going down writes each lease back as a 'sending' row.
//
// Old and new fns workers side by side (the upgrade order runs the migration first, then restarts workers): an old
// worker claims by writing a 'sending' row and knows nothing of fns_leases. The trigger fns_status_respects_leases
// makes that write a no-op while a new worker holds a live lease on the document, so the old worker finds it not
// claimed and defers its job, as it does for a document another old worker holds. New code never writes 'sending': the
// trigger's WHEN clause is false for every row it writes, and costs that comparison.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table fns_leases (
      fn text collate "C" not null,
      fd bigint not null,
      -- no other worker sends the document before this instant
      lease_until timestamptz not null,
      -- the worker batch holding the lease: only it may record a failure while the lease lives
      lease_owner text not null,
      primary key (fn, fd)
    )
  `.execute(db);
  await sql`
    create function fns_status_respects_leases() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from fns_leases l where l.fn = new.fn and l.fd = new.fd and l.lease_until >= now()) then
        return null;
      end if;
      return new;
    end $$
  `.execute(db);
  await sql`
    create trigger fns_status_respects_leases before insert or update on fns_status
      for each row when (new.status = 'sending') execute function fns_status_respects_leases()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists fns_status_respects_leases on fns_status`.execute(db);
  await sql`drop function if exists fns_status_respects_leases()`.execute(db);
  await sql`
    insert into fns_status (fn, fd, status, lease_until, lease_owner)
    select l.fn, l.fd, 'sending', l.lease_until, l.lease_owner
      from fns_leases l
     where exists (select 1 from document_keys k where k.fn = l.fn and k.fd = l.fd)
     order by l.fn, l.fd
    on conflict (fn, fd) do update
       set status = 'sending', lease_until = excluded.lease_until, lease_owner = excluded.lease_owner, updated_at = now()
     where fns_status.status not in ('accepted', 'accepted_with_warnings', 'rejected', 'quarantine')
  `.execute(db);
  await sql`drop table if exists fns_leases`.execute(db);
}
