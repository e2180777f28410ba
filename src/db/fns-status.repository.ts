// The FNS outcome per document (migration 0006_fns_status) and what the fns worker reads to send documents.
//
// The send lease (migration 0072: a row of fns_leases, not a state of fns_status): claimForFns() takes the lease of each
// document with no stored answer and no live lease, in (fn, fd) order (concurrent batches lock keys in the same order:
// no deadlocks). The worker then reads the documents' answers again (findFnsAnswers: an answer committed while it
// claimed shows there) and sends only what it claimed and is still unanswered. recordFnsOutcomes() writes the answer
// (or the failure) once, and deletes the batch's leases, in one transaction with the document events and dead letters.
// The usual answer — accepted, no findings, first request — goes into fns_plain_answers, one row per request and group
// of key numbers (migration 0080: a few bytes per document, not a ≈ 195-byte fns_status row); everything else into
// fns_status, written once per document on the usual path, not inserted and updated. Readers read both through the
// view fns_outcomes.
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { unpackRawContainer } from './raw-container.js';
import { recordDeadLetters, type DeadLetterInput } from './dead-letters.repository.js';
import { FNS_ANSWERED_SQL, FNS_ANSWERED_STATUSES, type FnsStatusRow, type FnsTagErrorJson } from './tables/fns-status.js';
import { loadRawContexts } from './raw-contexts.js';
import type { DbError } from './errors.js';

export interface DocumentKeyRef {
  readonly fn: string;
  readonly fd: number;
}

export interface StoredContainer {
  readonly fn: string;
  readonly fd: number;
  readonly receivedAt: Date;
  /** Empty when `unreadable`. */
  readonly rawContainer: Buffer;
  /** Why the stored container cannot be read (its drive context missing or damaged): the document fails on its own. */
  readonly unreadable?: DbError;
}

const keyOf = (fn: string, fd: number | string | bigint): string => `${fn}:${String(fd)}`;

function sortedUnique(keys: readonly DocumentKeyRef[]): DocumentKeyRef[] {
  const unique = new Map<string, DocumentKeyRef>();
  for (const k of keys) unique.set(keyOf(k.fn, k.fd), k);
  return [...unique.values()].sort((a, b) => (a.fn !== b.fn ? (a.fn < b.fn ? -1 : 1) : a.fd - b.fd));
}

/**
 * The raw containers of stored documents, by `fn:fd`; absent keys are not stored. Two reads: document_keys gives each
 * document's received_at, so the documents read names the partition key and touches only the partitions that hold them.
 */
export async function readStoredContainers(db: Kysely<Database>, keys: readonly DocumentKeyRef[]): Promise<Map<string, StoredContainer>> {
  const out = new Map<string, StoredContainer>();
  const wanted = sortedUnique(keys);
  if (wanted.length === 0) return out;
  const located = await db
    .selectFrom('document_keys')
    .select(['fn', 'fd', 'received_at'])
    .where((eb) => eb(eb.refTuple('fn', 'fd'), 'in', wanted.map((k) => eb.tuple(k.fn, k.fd))))
    .execute();
  if (located.length === 0) return out;
  const rows = await db
    .selectFrom('documents')
    .select(['fn', 'fd', 'received_at', 'raw_container', 'raw_codec'])
    .where((eb) => eb(eb.refTuple('fn', 'fd', 'received_at'), 'in', located.map((k) => eb.tuple(k.fn, k.fd, k.received_at))))
    .execute();
  // One document whose drive context is missing or damaged fails alone (its `unreadable`), not the whole batch.
  const unreadable = await loadRawContexts(db, rows, { skipUnreadable: true });
  for (const r of rows) {
    const error = unreadable.get(r.raw_container);
    const base = { fn: r.fn, fd: Number(r.fd), receivedAt: r.received_at };
    out.set(keyOf(r.fn, r.fd), error ? { ...base, rawContainer: Buffer.alloc(0), unreadable: error } : { ...base, rawContainer: unpackRawContainer(r.raw_container, r.raw_codec) });
  }
  return out;
}

/**
 * The keys as two arrays, for `unnest(…) as v(fn, fd)`: one index probe per key, unlike an OR of row comparisons. A
 * key's outcome is read from the view fns_outcomes (three tables) by a scalar subquery or a LATERAL … OFFSET 0, which
 * PostgreSQL runs per key whatever its statistics say: a join could be planned as a hash join over the whole view when
 * document_keys looks small (a fresh or unanalyzed table), as measured: the claim took twice as long.
 */
const keyArrays = (keys: readonly DocumentKeyRef[]) => [keys.map((k) => k.fn), keys.map((k) => k.fd)] as const;

/**
 * Takes the send lease of each document that has no FNS answer and no live lease; returns the keys taken (`fn:fd`).
 * A 'sending' row of fns_status written before migration 0072 is a live lease too until its lease_until.
 */
export async function claimForFns(
  db: Kysely<Database>,
  keys: readonly DocumentKeyRef[],
  leaseMs: number,
  owner: string,
): Promise<Set<string>> {
  const wanted = sortedUnique(keys);
  if (wanted.length === 0) return new Set();
  const [fns, fds] = keyArrays(wanted);
  const { rows } = await sql<{ fn: string; fd: string | number }>`
    insert into fns_leases (fn, fd, lease_until, lease_owner)
    select v.fn, v.fd, now() + ${leaseMs}::integer * interval '1 millisecond', ${owner}
      from unnest(${fns}::text[], ${fds}::bigint[]) with ordinality as v(fn, fd, n)
     where (select true from fns_outcomes s
             where s.fn = v.fn and s.fd = v.fd
               and (s.status in (${FNS_ANSWERED_SQL}) or (s.status = 'sending' and s.lease_until >= now()))
             limit 1) is null
     order by v.n
    on conflict (fn, fd) do update
       set lease_until = excluded.lease_until, lease_owner = excluded.lease_owner
     where fns_leases.lease_until < now()
    returning fn, fd
  `.execute(db);
  return new Set(rows.map((r) => keyOf(r.fn, r.fd)));
}

/**
 * The stored FNS answers of the documents, by `fn:fd`. The fns worker reads it right after its claim, in a statement of
 * its own, so an answer another batch committed while this one claimed is seen (the claim's own check may have run
 * before that commit, and the other batch's lease been deleted by the time this one inserted its own).
 */
export async function findFnsAnswers(db: Kysely<Database>, keys: readonly DocumentKeyRef[]): Promise<Map<string, FnsStatusRow>> {
  if (keys.length === 0) return new Map();
  const [fns, fds] = keyArrays(keys);
  const { rows } = await sql<FnsStatusRow>`
    select s.* from unnest(${fns}::text[], ${fds}::bigint[]) as v(fn, fd)
     cross join lateral (select * from fns_outcomes s where s.fn = v.fn and s.fd = v.fd and s.status in (${FNS_ANSWERED_SQL}) offset 0) s
  `.execute(db);
  return new Map(rows.map((r) => [keyOf(r.fn, r.fd), r]));
}

/**
 * When each document's lease ends, by `fn:fd` (absent: no lease): a lease of fns_leases, or a 'sending' row of
 * fns_status written before migration 0072.
 */
export async function findFnsLeaseEnds(db: Kysely<Database>, keys: readonly DocumentKeyRef[]): Promise<Map<string, Date>> {
  if (keys.length === 0) return new Map();
  const [fns, fds] = keyArrays(keys);
  const { rows } = await sql<{ fn: string; fd: string; lease_until: Date }>`
    select v.fn, v.fd::text as fd, coalesce(l.lease_until, s.lease_until) as lease_until
      from unnest(${fns}::text[], ${fds}::bigint[]) as v(fn, fd)
      left join fns_leases l on l.fn = v.fn and l.fd = v.fd
      left join fns_status s on s.fn = v.fn and s.fd = v.fd and s.status = 'sending'
     where l.fn is not null or s.lease_until is not null
  `.execute(db);
  return new Map(rows.map((r) => [keyOf(r.fn, r.fd), r.lease_until]));
}

interface OutcomeBase {
  readonly fn: string;
  readonly fd: number;
  /** The document's received_at (partition key of document_events); no event is written without it. */
  readonly receivedAt: Date | undefined;
  /** A request carrying the document left this process (counted in attempts, sets sent_at). */
  readonly sentAt: Date | undefined;
}

export type FnsOutcomeRecord =
  | (OutcomeBase & {
      readonly kind: 'answered';
      readonly status: (typeof FNS_ANSWERED_STATUSES)[number];
      readonly errors: readonly FnsTagErrorJson[];
      readonly duplicate: boolean;
    })
  | (OutcomeBase & { readonly kind: 'retrying'; readonly errorCode: string; readonly error: string })
  | (OutcomeBase & {
      readonly kind: 'dead';
      readonly errorCode: string;
      readonly error: string;
      /** Written in the same transaction. */
      readonly deadLetter: DeadLetterInput;
    });

const MAX_ERROR = 2000;

interface OutcomeRow {
  readonly fn: string;
  readonly fd: number;
  readonly status: string;
  readonly errors: readonly FnsTagErrorJson[] | null;
  readonly duplicate: boolean | null;
  readonly sent_at: string | null;
}

/** The FNS's plain answer: accepted, no findings, not a duplicate, carried by this batch's request. */
const isPlainAnswer = (r: OutcomeRow): r is OutcomeRow & { sent_at: string } =>
  r.status === 'accepted' && r.errors === null && r.duplicate === false && r.sent_at !== null;

interface NumberedKey {
  fn: string;
  fd: string;
  slot_group: string;
  position: number;
  /** How many groups were locked (in every row: the lock runs once, as the first row is read). */
  locks: number;
  listened: boolean;
}

/**
 * Writes the plain answers among `rows` as rows of fns_plain_answers (migration 0080: one per request and group of
 * key numbers, the documents' positions in it) where the document has a number, no fns_status row, no plain answer
 * yet, and no listener: an organization with an active webhook subscription has its answers in fns_status, where the
 * fns.status_changed scan reads them by time. Returns the keys whose answer is a plain one now — written here or
 * earlier (a second answer to a plain one is dropped: the document is answered).
 *
 * Two statements. The first reads the documents' numbers and takes a lock per group (transaction-scoped advisory
 * locks, in group order: no deadlocks), which every batch of outcomes takes before writing either kind; the second,
 * with the new snapshot READ COMMITTED gives each statement, sees what a concurrent batch for the same documents
 * committed, so no document gets both a plain answer and an fns_status row. A plain answer beside an fns_status row
 * (written by a worker of the release before 0080 during an upgrade) does not count: the fns_status row is what
 * readers see (fns_outcomes), so the answer goes there.
 */
async function writePlainAnswers(trx: Kysely<Database>, rows: readonly OutcomeRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const [fns, fds] = keyArrays(sortedUnique(rows));
  const { rows: numbered } = await sql<NumberedKey>`
    with numbered as materialized (
      select k.fn, k.fd, k.fns_slot >> 6 as slot_group, (k.fns_slot & 63)::smallint as position
        from document_keys k join unnest(${fns}::text[], ${fds}::bigint[]) as v(fn, fd) on k.fn = v.fn and k.fd = v.fd
       where k.fns_slot is not null
    ),
    locked as (
      select count(*)::integer as n from (
        select pg_advisory_xact_lock(hashtextextended('fns-plain-answers', g.slot_group))
          from (select distinct slot_group from numbered order by slot_group) g
      ) l
    )
    select n.fn, n.fd::text as fd, n.slot_group::text as slot_group, n.position,
           (select n from locked) as locks, exists (select 1 from webhook_subscriptions where active) as listened
      from numbered n
  `.execute(trx);
  if (numbered.length === 0) return new Set();
  // The plain answers' request times, by key: a key absent here has another outcome.
  const sentAt = new Map(rows.filter(isPlainAnswer).map((r) => [keyOf(r.fn, r.fd), r.sent_at]));
  const unlistened = numbered[0]!.listened
    ? sql`and not exists (select 1 from document_keys k
                            join documents d on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
                            join organizations o on o.inn = d.user_inn
                            join webhook_subscriptions w on w.organization_id = o.id and w.active
                           where k.fn = c.fn and k.fd = c.fd)`
    : sql``;
  const { rows: answered } = await sql<{ fn: string; fd: string }>`
    with c as (
      select * from unnest(${numbered.map((k) => k.fn)}::text[], ${numbered.map((k) => k.fd)}::bigint[],
                           ${numbered.map((k) => k.slot_group)}::bigint[], ${numbered.map((k) => k.position)}::smallint[],
                           ${numbered.map((k) => sentAt.get(keyOf(k.fn, k.fd)) ?? null)}::timestamptz[],
                           ${numbered.map((k) => sentAt.has(keyOf(k.fn, k.fd)))}::boolean[])
                    as c(fn, fd, slot_group, position, sent_at, plain)
    ),
    already as materialized (
      select c.fn, c.fd from c
       where exists (select 1 from fns_plain_answers p where p.slot_group = c.slot_group and c.position = any (p.positions))
         and not exists (select 1 from fns_status s where s.fn = c.fn and s.fd = c.fd)
    ),
    fresh as materialized (
      select c.* from c
       where c.plain
         and not exists (select 1 from already a where a.fn = c.fn and a.fd = c.fd)
         and not exists (select 1 from fns_status s where s.fn = c.fn and s.fd = c.fd)
         ${unlistened}
    ),
    written as (
      insert into fns_plain_answers (slot_group, positions, sent_at)
      select slot_group, array_agg(position order by position), sent_at from fresh group by slot_group, sent_at
    )
    select fn, fd::text as fd from already
    union all
    select fn, fd::text as fd from fresh
  `.execute(trx);
  return new Set(answered.map((r) => keyOf(r.fn, r.fd)));
}

/**
 * Stores outcomes, deletes the leases `owner` holds on `leased`, and writes the 'fns_dead' document events and dead
 * letters — one transaction. A status row is written only for a leased document (one not claimed was not stored, or
 * not this batch's to send), or a plain answer into fns_plain_answers (writePlainAnswers); an answer writes no event: the
 * status row tells it (status, errors, duplicate, answered_at; migration 0064), and readers compose the 'fns_answered'
 * event from it. An answer always wins; a failure never overwrites an answer, nor a live lease another batch took over
 * meanwhile (that batch records its own outcome).
 */
export async function recordFnsOutcomes(
  db: Kysely<Database>,
  owner: string,
  outcomes: readonly FnsOutcomeRecord[],
  leased: readonly DocumentKeyRef[],
): Promise<void> {
  if (outcomes.length === 0 && leased.length === 0) return;
  const leasedKeys = new Set(leased.map((k) => keyOf(k.fn, k.fd)));
  const sorted = [...outcomes].sort((a, b) => (a.fn !== b.fn ? (a.fn < b.fn ? -1 : 1) : a.fd - b.fd));
  const rows = sorted
    .filter((o) => leasedKeys.has(keyOf(o.fn, o.fd)))
    .map((o) => ({
      fn: o.fn,
      fd: o.fd,
      status: o.kind === 'answered' ? o.status : o.kind,
      answered: o.kind === 'answered',
      // None is null (migration 0074: 8 bytes a row less than '[]'). The release before this one already reads null as
      // none (fnsErrorsOf), so its API and notify processes keep working beside these workers during an upgrade.
      errors: o.kind === 'answered' && o.errors.length > 0 ? o.errors : null,
      duplicate: o.kind === 'answered' ? o.duplicate : null,
      sent: o.sentAt !== undefined,
      sent_at: o.sentAt?.toISOString() ?? null,
      error_code: o.kind === 'answered' ? null : o.errorCode,
      error: o.kind === 'answered' ? null : o.error.slice(0, MAX_ERROR),
    }));
  const events = sorted.flatMap((o) => {
    if (o.receivedAt === undefined || o.kind !== 'dead') return [];
    const detail: JsonObject = { code: o.errorCode, message: o.error.slice(0, MAX_ERROR) };
    return [{ fn: o.fn, fd: o.fd, received_at: o.receivedAt, kind: 'fns_dead', detail: JSON.stringify(detail) }];
  });
  const letters = sorted.flatMap((o) => (o.kind === 'dead' ? [o.deadLetter] : []));
  const released = sortedUnique(leased);

  // READ COMMITTED, whatever the server's default: writePlainAnswers' lock works because each statement after it takes
  // a new snapshot.
  await db.transaction().setIsolationLevel('read committed').execute(async (trx) => {
    const plain = await writePlainAnswers(trx, rows);
    const statusRows = rows.filter((r) => !plain.has(keyOf(r.fn, r.fd)));
    if (statusRows.length > 0) {
      // attempts and sent_at count this batch's request only; on conflict they add to / replace the stored ones.
      await sql`
        insert into fns_status as s (fn, fd, status, errors, duplicate, attempts, last_error_code, last_error, sent_at, answered_at)
        select v.fn, v.fd, v.status, v.errors, v.duplicate, case when v.sent then 1 else 0 end, v.error_code, v.error, v.sent_at,
               case when v.answered then now() end
          from jsonb_to_recordset(${JSON.stringify(statusRows)}::jsonb)
               as v(fn text, fd bigint, status text, answered boolean, errors jsonb, duplicate boolean, sent boolean, sent_at timestamptz, error_code text, error text)
         where v.answered
            or not exists (select 1 from fns_leases l
                            where l.fn = v.fn and l.fd = v.fd and l.lease_owner <> ${owner} and l.lease_until >= now())
         order by v.fn, v.fd
        on conflict (fn, fd) do update
           set status = excluded.status,
               errors = case when excluded.answered_at is not null then excluded.errors else s.errors end,
               duplicate = case when excluded.answered_at is not null then excluded.duplicate else s.duplicate end,
               attempts = s.attempts + excluded.attempts,
               last_error_code = excluded.last_error_code,
               last_error = excluded.last_error,
               lease_until = null,
               lease_owner = null,
               sent_at = coalesce(excluded.sent_at, s.sent_at),
               answered_at = coalesce(excluded.answered_at, s.answered_at),
               updated_at = now()
         where excluded.answered_at is not null
            or (s.status not in (${FNS_ANSWERED_SQL})
                and (s.status <> 'sending' or s.lease_owner is null or s.lease_until < now()))
      `.execute(trx);
    }
    if (released.length > 0) {
      const [fns, fds] = keyArrays(released);
      await sql`
        delete from fns_leases
         where (fn, fd) in (select * from unnest(${fns}::text[], ${fds}::bigint[]))
           and lease_owner = ${owner}
      `.execute(trx);
    }
    if (events.length > 0) await trx.insertInto('document_events').values(events).execute();
    await recordDeadLetters(trx, letters);
  });
}
