// ФПС, the message's fiscal sign: the 8-byte sign in the container's trailer, shown as a decimal uint64. The persist
// worker no longer writes it into documents.message_fiscal_sign (issue 12 target 4, disk per receipt: 13 bytes of a
// numeric per row): like the FNS JSON (fns-json.ts), it is read from the raw container, which holds it byte for byte.
// Rows stored before keep their column, which readers take as it is.
import { sql, type Kysely } from 'kysely';
import { decodeContainer, messageFiscalSign } from '../../protocol/container.js';
import type { Database } from './database.js';
import { unpackRawContainer } from './raw-container.js';
import { loadRawContexts } from './raw-contexts.js';

/** The ФПС of a container as received; null when it does not decode (a document stored unrecognised may not). */
export function messageFiscalSignOfRaw(raw: Buffer): string | null {
  try {
    return messageFiscalSign(decodeContainer(raw).messageSign);
  } catch {
    return null;
  }
}

interface ListedRow {
  readonly fn: string;
  readonly fd: number;
  readonly received_at: Date;
  readonly message_fiscal_sign: string | null;
}

/**
 * `rows` with the ФПС of those that have none stored, read from their containers: one query for the page (each row by
 * its full key, so one partition's primary key each). A row whose container cannot be read (its drive's context
 * damaged or missing, its bytes damaged, a codec of a newer release) keeps null rather than failing the page; the
 * document's own view says why.
 */
export async function withMessageFiscalSigns<R extends ListedRow>(db: Kysely<Database>, rows: readonly R[]): Promise<R[]> {
  const missing = rows.filter((r) => r.message_fiscal_sign === null);
  if (missing.length === 0) return [...rows];
  // The page's span of received_at lets the planner leave out the other months' partitions before it plans them.
  const times = missing.map((r) => r.received_at.getTime());
  const { rows: stored } = await sql<{ fn: string; fd: number; raw_container: Buffer; raw_codec: number | null }>`
    select d.fn, d.fd, d.raw_container, d.raw_codec
      from unnest(${missing.map((r) => r.fn)}::text[], ${missing.map((r) => r.fd)}::bigint[], ${missing.map((r) => r.received_at)}::timestamptz[])
           as k(fn, fd, received_at)
      join documents d on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
     where d.received_at between ${new Date(Math.min(...times))} and ${new Date(Math.max(...times))}`.execute(db);
  const unreadable = await loadRawContexts(db, stored, { skipUnreadable: true });
  const signs = new Map<string, string | null>();
  for (const s of stored) {
    if (unreadable.has(s.raw_container)) continue;
    try {
      signs.set(`${s.fn}:${s.fd}`, messageFiscalSignOfRaw(unpackRawContainer(s.raw_container, s.raw_codec)));
    } catch {
      // Damaged storage or a codec of a newer release (DB_RAW_CODEC_UNKNOWN): null here, the document's view says why.
    }
  }
  return rows.map((r) => (r.message_fiscal_sign !== null ? r : { ...r, message_fiscal_sign: signs.get(`${r.fn}:${r.fd}`) ?? null }));
}
