// Organizations, members and API keys as the API shows them, and the loader that authorizes an organization.
import { z } from 'zod';
import { isValidInn } from '../../domain/inn.js';
import { type MemberRow } from '../../db/api-access.repository.js';
import { findOrganization, type OrganizationDetails } from '../../db/api-organizations.repository.js';
import { membershipRoles, type ApiKey } from '../../db/tables/api-access.js';
import type { OrganizationView } from '../../db/api-organizations.repository.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { dateOut, idSchema, iso } from '../schemas.js';

export const innSchema = z
  .string()
  .refine(isValidInn, 'expected an INN of 10 or 12 digits with valid check digits')
  .meta({ description: 'ИНН, check digits verified' });

export const detailsIn = {
  name: z.string().min(1).max(500).nullable().optional(),
  kpp: z.string().regex(/^\d{4}[0-9A-Z]{2}\d{3}$/, 'expected a 9-character KPP').nullable().optional(),
  ogrn: z.string().regex(/^(\d{13}|\d{15})$/, 'expected an OGRN of 13 digits or an OGRNIP of 15').nullable().optional(),
  legalAddress: z.string().max(1000).nullable().optional(),
  postalAddress: z.string().max(1000).nullable().optional(),
  vatPayer: z.boolean().nullable().optional(),
  edoOperator: z.string().max(500).nullable().optional().meta({ description: 'E-document (ЭДО) operator' }),
};

export type DetailsIn = { [K in keyof typeof detailsIn]?: z.infer<(typeof detailsIn)[K]> };

export function toDetails(b: DetailsIn): OrganizationDetails {
  return {
    name: b.name,
    kpp: b.kpp,
    ogrn: b.ogrn,
    legal_address: b.legalAddress,
    postal_address: b.postalAddress,
    vat_payer: b.vatPayer,
    edo_operator: b.edoOperator,
  };
}

export const organizationOut = z.object({
  id: z.number().int(),
  inn: z.string(),
  name: z.string().nullable(),
  kpp: z.string().nullable(),
  ogrn: z.string().nullable(),
  legalAddress: z.string().nullable(),
  postalAddress: z.string().nullable(),
  vatPayer: z.boolean().nullable(),
  edoOperator: z.string().nullable(),
  role: z.enum(membershipRoles).nullable().meta({ description: "The caller's role; null for the operator and API keys" }),
  createdAt: dateOut,
});

export function organizationJson(o: OrganizationView, p: Principal): z.infer<typeof organizationOut> {
  return {
    id: o.id,
    inn: o.inn,
    name: o.name,
    kpp: o.kpp,
    ogrn: o.ogrn,
    legalAddress: o.legal_address,
    postalAddress: o.postal_address,
    vatPayer: o.vat_payer,
    edoOperator: o.edo_operator,
    role: p.kind === 'user' ? (p.memberships.get(o.id) ?? null) : null,
    createdAt: iso(o.created_at),
  };
}

export const memberOut = z.object({ userId: z.number().int(), email: z.string(), role: z.enum(membershipRoles), createdAt: dateOut });

export function memberJson(m: MemberRow): z.infer<typeof memberOut> {
  return { ...m, createdAt: iso(m.createdAt) };
}

export const apiKeyOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The public start of the key, `ofd_<prefix>_…`' }),
  scopes: z.array(z.string()),
  createdAt: dateOut,
  lastUsedAt: dateOut.nullable(),
  revokedAt: dateOut.nullable(),
});

export function apiKeyJson(k: ApiKey): z.infer<typeof apiKeyOut> {
  return {
    id: k.id,
    organizationId: k.organization_id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: iso(k.created_at),
    lastUsedAt: iso(k.last_used_at),
    revokedAt: iso(k.revoked_at),
  };
}

export const orgParams = z.object({ id: idSchema });

export function organizationLocals(ctx: ApiContext) {
  const loadOrganization = async (p: Principal, id: number, permission: Parameters<typeof authorizeOrganization>[2]) => {
    authorizeOrganization(p, id, permission, 'organization');
    const o = await findOrganization(ctx.db, id);
    if (!o) throw notFound('organization');
    return o;
  };
  return { loadOrganization };
}
export type OrganizationLocals = ReturnType<typeof organizationLocals>;
