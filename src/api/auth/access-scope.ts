/**
 * What part of an organization a caller reaches (issue 16): a membership may be limited to chosen outlets and
 * registers (a shop manager sees only their shop). Every list, report, search and export builds its tenant filter
 * here, so the limit is honoured in one place:
 *
 * - `accessScope(db, p, permission)`: the organizations read in full, and those read in part with the registers and
 *   outlets the limit resolves to (the chosen registers, and every register of the chosen outlets);
 * - SQL conditions for the queries (`registerScopeSql`, `outletScopeSql`, `documentScopeSql`);
 * - `authorizePlace`: the by-id check of a register-bound resource (a register, a document, a shift, an FN).
 *
 * Limits apply to users only (the operator reads everything; an API key belongs to its organization as a whole).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { innsOf, organizationInn } from '../../db/api-organizations.repository.js';
import type { Database } from '../../db/database.js';
import { membershipLimitsOfUser, registersWithinLimit } from '../../db/team.repository.js';
import { notFound } from '../errors.js';
import { authorizeOrganization, canSeeOrganization, visibleOrganizations, type Permission, type Principal } from './principal.js';

type Db = Kysely<Database>;

/** A membership's limit as stored: the outlets and registers chosen. */
export interface PlaceLimit {
  readonly outletIds: readonly number[];
  readonly registerIds: readonly number[];
}

/** A limited organization resolved for one request. */
export interface LimitedPart {
  readonly inn: string;
  readonly registerIds: readonly number[];
  readonly outletIds: readonly number[];
}

export interface AccessScope {
  /** Organizations read in full: 'all' (the operator) or ids. */
  readonly full: 'all' | readonly number[];
  /** Organizations read in part. */
  readonly limited: ReadonlyMap<number, LimitedPart>;
}

export const membershipLimitsOf = (db: Db, userId: number): Promise<Map<number, PlaceLimit>> => membershipLimitsOfUser(db, userId);

/**
 * The caller's limits, read once per request (the principal object is the request's) from the database rather than
 * carried by the principal, so every way of signing in (session token, cabinet cookie) is limited alike.
 */
const limitsOfRequest = new WeakMap<Principal, Promise<Map<number, PlaceLimit>>>();

async function limitOf(db: Db, p: Principal, organizationId: number): Promise<PlaceLimit | undefined> {
  if (p.kind !== 'user') return undefined;
  let limits = limitsOfRequest.get(p);
  if (limits === undefined) {
    limits = membershipLimitsOf(db, p.userId);
    limitsOfRequest.set(p, limits);
  }
  return (await limits).get(organizationId);
}

/** The registers and outlets a limit reaches: chosen registers, registers of chosen outlets, and their outlets. */
async function resolveLimit(db: Db, organizationId: number, limit: PlaceLimit): Promise<LimitedPart> {
  const inn = await organizationInn(db, organizationId);
  const registers = await registersWithinLimit(db, organizationId, limit);
  const outletIds = new Set(limit.outletIds);
  for (const r of registers) if (r.outlet_id !== null) outletIds.add(r.outlet_id);
  return { inn: inn ?? '', registerIds: registers.map((r) => r.id), outletIds: [...outletIds] };
}

export async function accessScope(db: Db, p: Principal, permission: Permission): Promise<AccessScope> {
  const visible = visibleOrganizations(p, permission);
  if (visible === 'all') return { full: 'all', limited: new Map() };
  const full: number[] = [];
  const limited = new Map<number, LimitedPart>();
  for (const id of visible) {
    const limit = await limitOf(db, p, id);
    if (limit === undefined) full.push(id);
    else limited.set(id, await resolveLimit(db, id, limit));
  }
  return { full, limited };
}

/** Every organization the scope reaches at all (for organization-level lists: the organizations themselves). */
export function scopeOrganizationIds(s: AccessScope): 'all' | number[] {
  return s.full === 'all' ? 'all' : [...s.full, ...s.limited.keys()];
}

export function isEmptyScope(s: AccessScope): boolean {
  return s.full !== 'all' && s.full.length === 0 && s.limited.size === 0;
}

const ids = (xs: Iterable<number>): number[] => [...xs, 0];
const limitedRegisters = (s: AccessScope) => [...s.limited.values()].flatMap((l) => l.registerIds);
const limitedOutlets = (s: AccessScope) => [...s.limited.values()].flatMap((l) => l.outletIds);

/** Rows of registers (or bound to one): the organization read in full, or the register within a limit. */
export function registerScopeSql(organizationCol: string, registerCol: string, s: AccessScope): RawBuilder<boolean> {
  if (s.full === 'all') return sql<boolean>`true`;
  return sql<boolean>`(${sql.ref(organizationCol)} = any(${ids(s.full)}::bigint[]) or ${sql.ref(registerCol)} = any(${ids(limitedRegisters(s))}::bigint[]))`;
}

/** Rows of outlets: the organization read in full, or the outlet within a limit. */
export function outletScopeSql(organizationCol: string, outletCol: string, s: AccessScope): RawBuilder<boolean> {
  if (s.full === 'all') return sql<boolean>`true`;
  return sql<boolean>`(${sql.ref(organizationCol)} = any(${ids(s.full)}::bigint[]) or ${sql.ref(outletCol)} = any(${ids(limitedOutlets(s))}::bigint[]))`;
}

/** Rows bound to an outlet or a register (either may be null): within the scope by either. */
export function placeScopeSql(organizationCol: string, outletCol: string, registerCol: string, s: AccessScope): RawBuilder<boolean> {
  return sql<boolean>`(${outletScopeSql(organizationCol, outletCol, s)} or ${registerScopeSql(organizationCol, registerCol, s)})`;
}

/**
 * Documents, scoped by their own INN (1018): every document of an organization read in full (by `fullInns`, its INNs),
 * and of a limited one only those of its registers that carry its INN.
 */
export function documentScopeSql(innCol: string, registerCol: string, s: AccessScope, fullInns: readonly string[]): RawBuilder<boolean> {
  if (s.full === 'all') return sql<boolean>`true`;
  const parts = [sql<boolean>`${sql.ref(innCol)} = any(${[...fullInns, '']}::text[])`];
  for (const l of s.limited.values()) {
    parts.push(sql<boolean>`(${sql.ref(innCol)} = ${l.inn} and ${sql.ref(registerCol)} = any(${ids(l.registerIds)}::bigint[]))`);
  }
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/**
 * A resource bound to a register (or only to an outlet) of `organizationId`: authorizeOrganization, and for a limited
 * membership, the register (else the outlet) must be within the limit — NOT_FOUND otherwise, as for another tenant.
 */
export async function authorizePlace(
  db: Db,
  p: Principal,
  organizationId: number | null,
  place: { registerId?: number | null; outletId?: number | null },
  permission: Permission,
  what: string,
): Promise<void> {
  // Outside the limit is NOT_FOUND before any FORBIDDEN: a limited member cannot tell it from another tenant's.
  const limit = organizationId === null || !canSeeOrganization(p, organizationId) ? undefined : await limitOf(db, p, organizationId);
  if (limit !== undefined && organizationId !== null) {
    const part = await resolveLimit(db, organizationId, limit);
    const ok =
      place.registerId !== undefined && place.registerId !== null
        ? part.registerIds.includes(place.registerId)
        : place.outletId !== undefined && place.outletId !== null && part.outletIds.includes(place.outletId);
    if (!ok) throw notFound(what);
  }
  authorizeOrganization(p, organizationId, permission, what);
}

/** Whether the caller's membership in the organization is limited (organization-wide settings are then out of reach). */
export async function isLimited(db: Db, p: Principal, organizationId: number): Promise<boolean> {
  return (await limitOf(db, p, organizationId)) !== undefined;
}

/** `build(s)` when the scope has limited organizations, else undefined (no extra condition for everyone else). */
export function placeLimitOf<T>(s: AccessScope, build: (s: AccessScope) => T): T | undefined {
  return s.limited.size === 0 ? undefined : build(s);
}

/** The full organizations' INNs: documents are scoped by their own INN (1018). */
export async function fullInns(db: Db, s: AccessScope): Promise<string[]> {
  if (s.full === 'all' || s.full.length === 0) return [];
  return innsOf(db, s.full);
}
