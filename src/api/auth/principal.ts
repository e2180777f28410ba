/**
 * Who is calling and what it may do. Three kinds of caller:
 * - the operator (`OFD_ADMIN_TOKEN`): every organization, every action;
 * - a user (session token from login): the organizations it is a member of, with its role's permissions there; a user
 *   whose confirmed e-mail is in `OFD_OPERATOR_EMAILS` is also the operator's staff (`operator: true`): it may do what
 *   `requireOperator()` guards (the tariff catalogue, bank statements, manual top-ups…) from the cabinet, signed in as
 *   itself, but it does not read other tenants' data — that stays the operator token's — beyond what a money action
 *   needs: the operator's organization lookup (name, INN, balance);
 * - an API key: its one organization, with the key's scopes.
 *
 * Tenant isolation rests on two rules used by every route: lists are filtered by `visibleOrganizations()`, and a
 * resource found by id is checked with `authorizeOrganization()`, which answers 404 (not 403) for an organization the
 * caller has no access to at all, so ids of other tenants cannot be probed.
 */
import { ApiError, notFound } from '../errors.js';
import type { MembershipRole } from '../../db/tables/api-access.js';

export const PERMISSIONS = [
  'organization:read',
  'organization:write',
  'members:manage',
  'api_keys:manage',
  'registry:read',
  'registry:write',
  'documents:read',
  'shifts:read',
  // Issue 16: exports (csv/xlsx) and e-receipts are the accountant's; the action log is the owner's.
  'reports:export',
  'receipts:send',
  'audit:read',
  'billing:read',
  'billing:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What an API key may be granted: the data permissions, not the management ones. */
export const API_KEY_SCOPES = ['organization:read', 'registry:read', 'registry:write', 'documents:read', 'shifts:read', 'receipts:send'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const DEFAULT_API_KEY_SCOPES: readonly ApiKeyScope[] = ['organization:read', 'registry:read', 'documents:read', 'shifts:read'];

const READ: readonly Permission[] = ['organization:read', 'registry:read', 'documents:read', 'shifts:read'];
const ACCOUNTING: readonly Permission[] = ['reports:export', 'receipts:send'];

/**
 * An API key granted documents:read has always exported what it reads: its scope implies the export. Sending an
 * e-receipt is not implied: it reaches a third party and an SMS costs money, so it needs `receipts:send` (issue 13, item 6).
 */
const KEY_SCOPE_IMPLIED_BY: Partial<Record<Permission, string>> = { 'reports:export': 'documents:read' };

function keyHas(scopes: ReadonlySet<string>, permission: Permission): boolean {
  const implied = KEY_SCOPE_IMPLIED_BY[permission];
  return scopes.has(permission) || (implied !== undefined && scopes.has(implied));
}

export const ROLE_PERMISSIONS: Readonly<Record<MembershipRole, ReadonlySet<Permission>>> = {
  viewer: new Set(READ),
  // The accountant reads everything a viewer does, exports reports, sends e-receipts and pays (balance, tariffs, the
  // Маркет, documents).
  accountant: new Set([...READ, ...ACCOUNTING, 'billing:read', 'billing:write']),
  admin: new Set([...READ, ...ACCOUNTING, 'organization:write', 'registry:write', 'members:manage', 'api_keys:manage', 'billing:read', 'billing:write']),
  owner: new Set(PERMISSIONS),
};

export type Principal =
  | { readonly kind: 'operator' }
  | {
      readonly kind: 'user';
      readonly userId: number;
      readonly email: string;
      /** organization id → role */
      readonly memberships: ReadonlyMap<number, MembershipRole>;
      /** Set when the caller is the cabinet's cookie session (user_sessions.id), so sign-out can revoke it. */
      readonly sessionId?: number;
      /** The operator's staff (`OFD_OPERATOR_EMAILS`): the operator-only actions are open to it. */
      readonly operator?: boolean;
    }
  | {
      readonly kind: 'apiKey';
      readonly keyId: number;
      readonly organizationId: number;
      readonly scopes: ReadonlySet<string>;
    };

/** 'all' for the operator; otherwise the organization ids where the caller has `permission`. */
export function visibleOrganizations(p: Principal, permission: Permission): 'all' | number[] {
  switch (p.kind) {
    case 'operator':
      return 'all';
    case 'user':
      return [...p.memberships].filter(([, role]) => ROLE_PERMISSIONS[role].has(permission)).map(([id]) => id);
    case 'apiKey':
      if (!keyHas(p.scopes, permission)) throw new ApiError('FORBIDDEN', `the API key lacks the scope ${permission}`);
      return [p.organizationId];
  }
}

/** Whether the caller has any access at all to the organization (any role, or the key's own organization). */
export function canSeeOrganization(p: Principal, organizationId: number): boolean {
  switch (p.kind) {
    case 'operator':
      return true;
    case 'user':
      return p.memberships.has(organizationId);
    case 'apiKey':
      return p.organizationId === organizationId;
  }
}

/**
 * Throws NOT_FOUND (named `what`) when the caller has no access to the organization — or the resource has none
 * (`organizationId` null: only the operator sees it) — and FORBIDDEN when it has access but not `permission`.
 */
export function authorizeOrganization(p: Principal, organizationId: number | null, permission: Permission, what: string): void {
  if (p.kind === 'operator') return;
  if (organizationId === null || !canSeeOrganization(p, organizationId)) throw notFound(what);
  const allowed =
    p.kind === 'user' ? ROLE_PERMISSIONS[p.memberships.get(organizationId)!].has(permission) : keyHas(p.scopes, permission);
  if (!allowed) {
    throw new ApiError('FORBIDDEN', p.kind === 'user' ? `your role does not allow ${permission}` : `the API key lacks the scope ${permission}`);
  }
}

/** The operator token, or a user of the operator's staff. */
export function isOperator(p: Principal): boolean {
  return p.kind === 'operator' || (p.kind === 'user' && p.operator === true);
}

export function requireOperator(p: Principal): void {
  if (!isOperator(p)) throw new ApiError('FORBIDDEN', 'only the operator may do this');
}
