// The FNS's plain answer — accepted, nothing to say, on the first request — without a row per document (issue 12
// target 4, disk per receipt).
//
// Nearly every document gets that answer, and its fns_status row was ≈ 195 bytes per document in `npm run bench:disk`:
// a tuple header, the key again (17 bytes of fn text and fd), five columns saying "accepted, once, no errors" and a
// primary-key entry.
//
// Now the persist worker gives every key row a number as it writes it, fns_slot, from the sequence document_key_slots
// (never updated afterwards: an update of a full page leaves a dead version and a second primary-key entry). That is 8
// bytes a row. The numbers fall in groups of 64 (fns_slot >> 6; the position in the group is fns_slot & 63), and
// documents stored at the same moment, which the fns worker sends together, share a group whatever the persist
// batches were. The fns worker records the plain answers of one FNS request as one row of fns_plain_answers per group:
// the group, the positions it answered, when the request left, when the answer was stored. A request carries up to 50
// documents: a few bytes per document then, ≈ 100 when it carries one (a trickle of documents), against ≈ 195 for the
// fns_status row. A key's answer is found by the group's index entry and a look at each row of the group: at most 64
// rows, a handful when requests carry many documents (a smaller group would mean more rows per request).
//
// Everything else stays in fns_status: warnings, rejections, quarantine, retries, dead, duplicates, a second request,
// documents stored before this migration (no slot), and any answer of an organization with an active webhook
// subscription (the fns.status_changed scan reads fns_status by updated_at). A document has an fns_status row or a
// plain answer, never both: the fns worker holds a lock per group while it writes either
// (src/db/fns-status.repository.ts, recordFnsOutcomes).
//
// `fns_outcomes` is fns_status as readers knew it: its rows, and one row per plain answer, spelt out as fns_status
// would have had it.
//
// A catalogue change: no row is read or written.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence document_key_slots as bigint`.execute(db);
  // null: stored before this migration
  await sql`alter table document_keys add column fns_slot bigint`.execute(db);
  await sql`
    create table fns_plain_answers (
      -- a group of 64 slots: fns_slot >> 6
      slot_group bigint not null,
      -- fns_slot & 63 of the documents of that group the request carried and the FNS accepted with nothing to say
      positions smallint[] not null check (cardinality(positions) > 0),
      sent_at timestamptz not null,
      answered_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index fns_plain_answers_slot_group_idx on fns_plain_answers (slot_group)`.execute(db);
  // One row per key row with an fns_status row or a plain answer: a join of three tables, not a UNION ALL, because
  // PostgreSQL pulls a join view up into the query that joins it on (fn, fd) — three index probes per key — whereas a
  // UNION ALL branch with a WHERE clause is computed whole, for every caller (the claim, the list), before that join.
  // An fns_status row, if one was ever written beside a plain answer (a worker of the release before 0080 running
  // during an upgrade), wins.
  await sql`
    create view fns_outcomes as
      select k.fn, k.fd,
             coalesce(s.status, 'accepted') as status,
             s.errors,
             coalesce(s.attempts, 1) as attempts,
             s.last_error_code, s.last_error, s.lease_until, s.lease_owner,
             case when s.fn is null then p.sent_at else s.sent_at end as sent_at,
             case when s.fn is null then p.answered_at else s.answered_at end as answered_at,
             case when s.fn is null then p.answered_at else s.updated_at end as updated_at,
             case when s.fn is null then false else s.duplicate end as duplicate
        from document_keys k
        left join fns_status s on s.fn = k.fn and s.fd = k.fd
        left join fns_plain_answers p on s.fn is null and p.slot_group = k.fns_slot >> 6 and (k.fns_slot & 63)::smallint = any (p.positions)
       where s.fn is not null or p.slot_group is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The plain answers go back into fns_status, where the previous release reads them. The lock holds off fns workers of
  // this release (their inserts wait until the drop commits, then fail and are retried by their jobs): an answer they
  // committed after the copy would go with the table.
  await sql`lock table fns_plain_answers in share mode`.execute(db);
  await sql`
    insert into fns_status (fn, fd, status, errors, attempts, sent_at, answered_at, updated_at, duplicate)
    select k.fn, k.fd, 'accepted', null, 1, p.sent_at, p.answered_at, p.answered_at, false
      from document_keys k
      join fns_plain_answers p on p.slot_group = k.fns_slot >> 6 and (k.fns_slot & 63)::smallint = any (p.positions)
    on conflict (fn, fd) do nothing
  `.execute(db);
  await sql`drop view fns_outcomes`.execute(db);
  await sql`drop table fns_plain_answers`.execute(db);
  await sql`alter table document_keys drop column fns_slot`.execute(db);
  await sql`drop sequence document_key_slots`.execute(db);
}
