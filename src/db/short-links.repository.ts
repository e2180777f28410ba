// Short links of SMS and Viber receipts (migration 0046): `/r/{code}` → a path on OFD_PUBLIC_URL.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

const ALPHABET = 'ABCDEFGHIJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 12 characters of a 58-letter alphabet (no 0/O, 1/l look-alikes): ≈ 70 bits, never guessed by enumeration. */
export const SHORT_CODE_LENGTH = 12;
export const SHORT_CODE_PATTERN = new RegExp(`^[${ALPHABET}]{${SHORT_CODE_LENGTH}}$`);

/** A uniformly random code (rejection sampling: no letter is likelier than another). */
export function newShortCode(): string {
  let code = '';
  const limit = 256 - (256 % ALPHABET.length);
  while (code.length < SHORT_CODE_LENGTH) {
    for (const b of randomBytes(SHORT_CODE_LENGTH * 2)) {
      if (b < limit && code.length < SHORT_CODE_LENGTH) code += ALPHABET[b % ALPHABET.length];
    }
  }
  return code;
}

export interface ShortLinkRow {
  code: string;
  organization_id: number | null;
  fn: string;
  fd: number;
  target: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  opens: number;
  last_opened_at: Date | null;
}

/**
 * The link to `target` for a receipt: an existing one that stays valid for at least half of `ttlMs` more is reused (a
 * resend does not mint a new code each time); else a new one.
 */
export async function shortLinkFor(
  db: Db,
  link: { readonly organizationId: number | null; readonly fn: string; readonly fd: number; readonly target: string; readonly ttlMs: number },
): Promise<ShortLinkRow> {
  const { rows: existing } = await sql<ShortLinkRow>`
    select * from short_links
     where fn = ${link.fn} and fd = ${link.fd} and target = ${link.target} and revoked_at is null
       and expires_at > now() + make_interval(secs => ${link.ttlMs / 2000})
     order by expires_at desc limit 1
  `.execute(db);
  if (existing[0]) return existing[0];
  const { rows } = await sql<ShortLinkRow>`
    insert into short_links (code, organization_id, fn, fd, target, expires_at)
    values (${newShortCode()}, ${link.organizationId}, ${link.fn}, ${link.fd}, ${link.target}, now() + make_interval(secs => ${link.ttlMs / 1000}))
    returning *
  `.execute(db);
  return rows[0]!;
}

export type ShortLinkResolution = { readonly kind: 'ok'; readonly target: string } | { readonly kind: 'gone' } | { readonly kind: 'unknown' };

/** Follows a link, counting the open; an expired or revoked one is `gone` (and not counted). */
export async function openShortLink(db: Db, code: string): Promise<ShortLinkResolution> {
  const { rows } = await sql<{ target: string }>`
    update short_links set opens = opens + 1, last_opened_at = now()
     where code = ${code} and revoked_at is null and expires_at > now()
    returning target
  `.execute(db);
  if (rows[0]) return { kind: 'ok', target: rows[0].target };
  const { rows: known } = await sql<{ code: string }>`select code from short_links where code = ${code}`.execute(db);
  return known[0] ? { kind: 'gone' } : { kind: 'unknown' };
}

export async function listShortLinks(db: Db, organizationId: number, limit: number, fn?: string, fd?: number): Promise<ShortLinkRow[]> {
  const { rows } = await sql<ShortLinkRow>`
    select * from short_links
     where organization_id = ${organizationId}
       ${fn === undefined ? sql`` : sql`and fn = ${fn}`}
       ${fd === undefined ? sql`` : sql`and fd = ${fd}`}
     order by created_at desc, code limit ${limit}
  `.execute(db);
  return rows;
}

/** Revokes an organization's link; undefined when it has no such link (another tenant's is not told apart). */
export async function revokeShortLink(db: Db, organizationId: number, code: string): Promise<ShortLinkRow | undefined> {
  const { rows } = await sql<ShortLinkRow>`
    update short_links set revoked_at = coalesce(revoked_at, now())
     where code = ${code} and organization_id = ${organizationId}
    returning *
  `.execute(db);
  return rows[0];
}
