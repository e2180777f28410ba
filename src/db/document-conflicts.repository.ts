// Conflicting copies (migration 0017, issue 13 item 3): the persist transaction hands over every copy it did not store
// (re-sends, copies of one (fn, fd) in one batch); those whose container bytes differ from the stored document's are
// recorded as evidence, one row per distinct divergent copy.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { unpackRawContainer } from './raw-container.js';
import { loadRawContexts } from './raw-contexts.js';

export interface UnstoredCopy {
  readonly fn: string;
  readonly fd: number;
  readonly raw: Buffer;
  readonly sessionHeader: Buffer | null;
  /** ISO 8601: when the gateway received this copy. */
  readonly receivedAt: string;
  readonly signStatus: string;
  readonly crypto: string;
}

/**
 * Records the copies whose bytes differ from the stored document of their (fn, fd); returns how many such copies there
 * were. A copy seen before (same bytes) counts in `copies` again only when it arrived at another time: a retried job
 * carrying the same copy does not count twice.
 */
export async function recordConflictingCopies(db: Kysely<Database> | Transaction<Database>, copies: readonly UnstoredCopy[]): Promise<number> {
  if (copies.length === 0) return 0;
  // One row per (fn, fd, bytes) per statement: ON CONFLICT cannot touch a row twice.
  const unique = new Map<string, UnstoredCopy & { sha: Buffer }>();
  for (const c of copies) {
    const sha = createHash('sha256').update(c.raw).digest();
    unique.set(`${c.fn}:${c.fd}:${sha.toString('hex')}`, { ...c, sha });
  }
  const sorted = [...unique.values()].sort((a, b) => (a.fn === b.fn ? a.fd - b.fd : a.fn < b.fn ? -1 : 1));
  // The stored bytes are packed (src/db/raw-container.ts): compared here, unpacked, not in SQL.
  const { rows: stored } = await sql<{ fn: string; fd: number; received_at: Date; raw_container: Buffer; raw_codec: number | null }>`
    select d.fn, d.fd, d.received_at, d.raw_container, d.raw_codec
    from (select distinct * from unnest(${sorted.map((r) => r.fn)}::text[], ${sorted.map((r) => r.fd)}::bigint[]) as c(fn, fd)) c
    join document_keys k on k.fn = c.fn and k.fd = c.fd
    join documents d on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
  `.execute(db);
  // A stored container whose drive context is missing or damaged cannot be compared: the copy is recorded, evidence
  // and a readable copy of the bytes, rather than failing the batch (and every other document in it).
  const unreadable = await loadRawContexts(db, stored, { skipUnreadable: true });
  const storedBytes = new Map(
    stored.map((r) => [`${r.fn}:${r.fd}`, { receivedAt: r.received_at, raw: unreadable.has(r.raw_container) ? undefined : unpackRawContainer(r.raw_container, r.raw_codec) }]),
  );
  const rows = sorted.flatMap((c) => {
    const s = storedBytes.get(`${c.fn}:${c.fd}`);
    return s && !s.raw?.equals(c.raw) ? [{ ...c, storedReceivedAt: s.receivedAt }] : [];
  });
  if (rows.length === 0) return 0;
  const { rows: found } = await sql<{ fn: string }>`
    with diverging as (
      select * from unnest(${rows.map((r) => r.fn)}::text[], ${rows.map((r) => r.fd)}::bigint[], ${rows.map((r) => r.raw)}::bytea[],
        ${rows.map((r) => r.sha)}::bytea[], ${rows.map((r) => r.sessionHeader)}::bytea[], ${rows.map((r) => r.receivedAt)}::timestamptz[],
        ${rows.map((r) => r.signStatus)}::text[], ${rows.map((r) => r.crypto)}::text[], ${rows.map((r) => r.storedReceivedAt)}::timestamptz[])
        as c(fn, fd, raw, sha, session_header, received_at, sign_status, crypto, stored_received_at)
    )
    insert into document_conflicts (fn, fd, raw_sha256, raw_container, session_header, sign_status, crypto,
      stored_received_at, first_received_at, last_received_at)
    select fn, fd, sha, raw, session_header, sign_status, crypto, stored_received_at, received_at, received_at
    from diverging order by fn, fd
    on conflict (fn, fd, raw_sha256) do update set
      copies = document_conflicts.copies + case when excluded.last_received_at in
        (document_conflicts.first_received_at, document_conflicts.last_received_at) then 0 else 1 end,
      last_received_at = greatest(document_conflicts.last_received_at, excluded.last_received_at)
    returning fn
  `.execute(db);
  return found.length;
}
