// The FNS outcome per document (migration 0006_fns_status) and what the fns worker reads to send documents.
//
// The send lease: claimForFns() marks documents 'sending' until lease_until, only where no answer is stored and no live
// lease is held, in (fn, fd) order (concurrent batches lock rows in the same order: no deadlocks). The worker sends only
// what it claimed; recordFnsOutcomes() stores the answer (or the failure) and ends the lease in one transaction with the
// document events and dead letters.
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { unpackRawContainer } from './raw-container.js';
import { recordDeadLetters, type DeadLetterInput } from './dead-letters.repository.js';
import { FNS_ANSWERED_STATUSES, type FnsDeliveryStatus, type FnsStatusRow, type FnsTagErrorJson } from './tables/fns-status.js';

export interface DocumentKeyRef {
  readonly fn: string;
  readonly fd: number;
}

export interface StoredContainer {
  readonly fn: string;
  readonly fd: number;
  readonly receivedAt: Date;
  readonly rawContainer: Buffer;
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
  for (const r of rows) out.set(keyOf(r.fn, r.fd), { fn: r.fn, fd: Number(r.fd), receivedAt: r.received_at, rawContainer: unpackRawContainer(r.raw_container, r.raw_codec) });
  return out;
}

/** Claims the send lease of each document that has no FNS answer and no live lease; returns the claimed keys (`fn:fd`). */
export async function claimForFns(
  db: Kysely<Database>,
  keys: readonly DocumentKeyRef[],
  leaseMs: number,
  owner: string,
): Promise<Set<string>> {
  const wanted = sortedUnique(keys);
  if (wanted.length === 0) return new Set();
  const { rows } = await sql<{ fn: string; fd: string | number }>`
    insert into fns_status (fn, fd, status, lease_until, lease_owner)
    select v.fn, v.fd, 'sending', now() + ${leaseMs}::integer * interval '1 millisecond', ${owner}
      from unnest(${wanted.map((k) => k.fn)}::text[], ${wanted.map((k) => k.fd)}::bigint[]) with ordinality as v(fn, fd, n)
     order by v.n
    on conflict (fn, fd) do update
       set status = 'sending', lease_until = excluded.lease_until, lease_owner = excluded.lease_owner, updated_at = now()
     where fns_status.status not in ('accepted', 'accepted_with_warnings', 'rejected', 'quarantine')
       and (fns_status.lease_until is null or fns_status.lease_until < now())
    returning fn, fd
  `.execute(db);
  return new Set(rows.map((r) => keyOf(r.fn, r.fd)));
}

export async function findFnsStatuses(db: Kysely<Database>, keys: readonly DocumentKeyRef[]): Promise<FnsStatusRow[]> {
  const wanted = sortedUnique(keys);
  if (wanted.length === 0) return [];
  return db
    .selectFrom('fns_status')
    .selectAll()
    .where((eb) => eb(eb.refTuple('fn', 'fd'), 'in', wanted.map((k) => eb.tuple(k.fn, k.fd))))
    .execute();
}

export function isAnsweredStatus(status: FnsDeliveryStatus): boolean {
  return (FNS_ANSWERED_STATUSES as readonly string[]).includes(status);
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

/**
 * Stores outcomes, ends the leases `owner` holds, and writes the 'fns_dead' document events and dead letters — one
 * transaction. An answer writes no event: the status row tells it (status, errors, duplicate, answered_at; migration
 * 0064), and readers compose the 'fns_answered' event from it. An answer always wins; a failure never overwrites an answer, nor a lease another batch
 * took over meanwhile (that batch will record its own outcome).
 */
export async function recordFnsOutcomes(db: Kysely<Database>, owner: string, outcomes: readonly FnsOutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  const sorted = [...outcomes].sort((a, b) => (a.fn !== b.fn ? (a.fn < b.fn ? -1 : 1) : a.fd - b.fd));
  const rows = sorted.map((o) => ({
    fn: o.fn,
    fd: o.fd,
    status: o.kind === 'answered' ? o.status : o.kind,
    answered: o.kind === 'answered',
    errors: o.kind === 'answered' ? o.errors : [],
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

  await db.transaction().execute(async (trx) => {
    await sql`
      update fns_status s
         set status = v.status,
             errors = case when v.answered then v.errors else s.errors end,
             duplicate = case when v.answered then v.duplicate else s.duplicate end,
             attempts = s.attempts + case when v.sent then 1 else 0 end,
             last_error_code = v.error_code,
             last_error = v.error,
             lease_until = null,
             lease_owner = null,
             sent_at = case when v.sent then v.sent_at else s.sent_at end,
             answered_at = case when v.answered then now() else s.answered_at end,
             updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             as v(fn text, fd bigint, status text, answered boolean, errors jsonb, duplicate boolean, sent boolean, sent_at timestamptz, error_code text, error text)
       where s.fn = v.fn and s.fd = v.fd
         and (v.answered
              or (s.status not in ('accepted', 'accepted_with_warnings', 'rejected', 'quarantine')
                  and (s.lease_owner is null or s.lease_owner = ${owner} or s.lease_until < now())))
    `.execute(trx);
    if (events.length > 0) await trx.insertInto('document_events').values(events).execute();
    await recordDeadLetters(trx, letters);
  });
}
