/**
 * Global search: one box. What the query looks like decides where it is looked for:
 * - an INN (10/12 digits, valid check digits) → organizations, and documents carrying it;
 * - 16 digits → a register's registration number or an FN;
 * - digits (up to 10) → a fiscal sign (ФПД) or an FD number; `181.00` / `181,00` → a receipt total;
 * - an e-mail or a phone (+7…, 8…) → receipts sent to that buyer (1008);
 * - a GTIN (14 digits) or a marking code (starts with 01 + GTIN) → receipts with that marked item;
 * - a serial number (6–20 digits) → the register with it;
 * - text (3+ characters) → outlets by address or place of settlement, and team members by name or e-mail;
 * - an e-mail or a phone → also team members with it;
 * - anything else (2+ characters) → item names.
 * Every match is within the caller's organizations; team members only where the caller manages the team (owners,
 * admins, the operator: who may list the members), never through an API key.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formName } from '../../../protocol/tags/index.js';
import { isValidInn } from '../../domain/inn.js';
import { innsOf } from '../../db/api-organizations.repository.js';
import {
  searchDocuments,
  searchFiscalDrive,
  searchOrganizationsByInn,
  searchOutlets,
  searchRegisters,
  searchRegistersBySerial,
  searchUsers,
  type DocumentMatch,
  type SearchScope,
} from '../../db/api-search.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { visibleOrganizations, type Principal } from '../auth/principal.js';
import { accessScope, documentScopeSql, fullInns, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import { formatRubles } from '../../domain/money.js';

const hitOut = z.object({
  type: z.enum(['organization', 'register', 'fiscalDrive', 'outlet', 'user', 'document']),
  /** What matched: inn, registrationNumber, serialNumber, fn, address, name, email, phone, fiscalSign, fd, amount, buyer, marking, item. */
  matched: z.string(),
  title: z.string(),
  /** The API path of the thing found. */
  href: z.string(),
});
type Hit = z.infer<typeof hitOut>;

export function documentMatches(q: string): DocumentMatch[] {
  if (/^\S+@\S+\.\S+$/.test(q)) return [{ kind: 'buyer', value: q.toLowerCase() }, { kind: 'buyer', value: q }];
  const phone = q.replace(/[\s()-]/g, '');
  if (/^(\+7|8)\d{10}$/.test(phone)) return [{ kind: 'buyer', value: phone.startsWith('8') ? `+7${phone.slice(1)}` : phone }, { kind: 'buyer', value: phone }];
  const money = /^(\d{1,12})[.,](\d{2})$/.exec(q);
  if (money) return [{ kind: 'amount', value: Number(money[1]) * 100 + Number(money[2]) }];
  if (/^01\d{14}/.test(q) && q.length > 16) return [{ kind: 'marking', value: q }];
  if (/^\d{14}$/.test(q)) return [{ kind: 'marking', value: q }];
  if (/^\d{1,10}$/.test(q)) {
    const n = Number(q);
    return n <= 0xffff_ffff ? [{ kind: 'fiscalSign', value: n }, { kind: 'fd', value: n }] : [];
  }
  if (q.length >= 2 && !/^\d+$/.test(q)) return [{ kind: 'item', value: q }];
  return [];
}

const ROLE_NAMES: Readonly<Record<string, string>> = { owner: 'владелец', admin: 'администратор', accountant: 'бухгалтер', viewer: 'наблюдатель' };

/** What a query can find of team members: a part of a name or e-mail, or a phone (+7… as stored at sign-up). */
export function userMatch(q: string): { text?: string; phones?: string[] } | undefined {
  const phone = /^(?:\+7|8|7)(\d{10})$/.exec(q.replace(/[\s()-]/g, ''));
  if (phone) return { phones: [`+7${phone[1]}`, `7${phone[1]}`, `8${phone[1]}`] };
  if (q.length >= 3 && !/^[\d\s.,+()-]+$/.test(q)) return { text: q };
  return undefined;
}

/** Organizations whose members the caller may list (members:manage), minus those it reads only in part. */
function teamScope(p: Principal, limited: ReadonlySet<number>): 'all' | number[] {
  if (p.kind === 'apiKey') return [];
  const ids = visibleOrganizations(p, 'members:manage');
  return ids === 'all' ? ids : ids.filter((id) => !limited.has(id));
}

const getSearchSchema = {
  tags: ['documents'],
  summary: 'Global search: INN, registration number, FN, FD, fiscal sign, amount, item, marking code or GTIN, buyer',
  querystring: z.object({ q: z.string().trim().min(1).max(300), limit: z.coerce.number().int().min(1).max(100).default(20) }),
  response: { 200: z.object({ items: z.array(hitOut) }), ...errorResponses(400, 401, 403, 429) },
};

type Access = Awaited<ReturnType<typeof accessScope>>;

async function searchScope(ctx: ApiContext, access: Access): Promise<SearchScope> {
  const organizationIds = scopeOrganizationIds(access);
  const full = await fullInns(ctx.db, access);
  return {
    organizationIds,
    inns: organizationIds === 'all' ? 'all' : await innsOf(ctx.db, organizationIds),
    placeLimit: placeLimitOf(access, (s) => ({
      documents: documentScopeSql('documents.user_inn', 'documents.register_id', s, full),
      registers: registerScopeSql('organization_id', 'id', s),
      fiscalDrives: registerScopeSql('r.organization_id', 'r.id', s),
    })),
  };
}

/** Organizations, registers, fiscal drives and outlets the query names. */
async function placeHits(ctx: ApiContext, scope: SearchScope, q: string, hits: Hit[]): Promise<void> {
  if (/^\d{10}(\d{2})?$/.test(q) && isValidInn(q)) {
    for (const o of await searchOrganizationsByInn(ctx.db, scope, q)) {
      hits.push({ type: 'organization', matched: 'inn', title: `${o.name ?? 'Организация'} (ИНН ${o.inn})`, href: `/api/v1/organizations/${o.id}` });
      hits.push({ type: 'document', matched: 'inn', title: `Документы ИНН ${o.inn}`, href: `/api/v1/documents?organizationId=${o.id}` });
    }
  }
  if (/^\d{16}$/.test(q)) {
    for (const r of await searchRegisters(ctx.db, scope, q)) {
      hits.push({ type: 'register', matched: 'registrationNumber', title: `ККТ РН ${r.registration_number}`, href: `/api/v1/registers/${r.id}` });
    }
    for (const d of await searchFiscalDrive(ctx.db, scope, q)) {
      hits.push({ type: 'fiscalDrive', matched: 'fn', title: `ФН ${d.fn}`, href: `/api/v1/fiscal-drives/${d.fn}` });
    }
  }
  if (/^\d{6,20}$/.test(q)) {
    for (const r of await searchRegistersBySerial(ctx.db, scope, q)) {
      hits.push({ type: 'register', matched: 'serialNumber', title: `ККТ ЗН ${r.serial_number ?? q} (РН ${r.registration_number})`, href: `/api/v1/registers/${r.id}` });
    }
  }
  if (q.length >= 3 && !/^[\d\s.,+()-]+$/.test(q) && !q.includes('@')) {
    for (const o of await searchOutlets(ctx.db, scope, q, 5)) {
      const title = [o.place, o.address].filter((x) => x !== '').join(', ');
      hits.push({ type: 'outlet', matched: 'address', title: `Точка: ${title}`, href: `/api/v1/outlets/${o.id}` });
    }
  }
}

async function peopleHits(ctx: ApiContext, p: Principal, access: Access, q: string, hits: Hit[]): Promise<void> {
  const people = userMatch(q);
  if (!people) return;
  for (const u of await searchUsers(ctx.db, teamScope(p, new Set(access.limited.keys())), people, 5)) {
    const who = u.full_name ? `${u.full_name} <${u.email}>` : u.email;
    hits.push({
      type: 'user',
      matched: people.phones !== undefined ? 'phone' : u.email.toLowerCase().includes(q.toLowerCase()) ? 'email' : 'name',
      title: `Сотрудник: ${who}, ${ROLE_NAMES[u.role] ?? u.role} (${u.organization_name ?? `организация ${u.organization_id}`})`,
      href: `/api/v1/organizations/${u.organization_id}/members`,
    });
  }
}

async function documentHits(ctx: ApiContext, scope: SearchScope, q: string, limit: number, hits: Hit[]): Promise<void> {
  for (const m of documentMatches(q)) {
    if (hits.length >= limit) break;
    for (const d of await searchDocuments(ctx.db, scope, m, limit)) {
      if (hits.some((h) => h.href === `/api/v1/documents/${d.fn}/${d.fd}`)) continue;
      const sum = d.total_sum === null ? '' : `, ${formatRubles(d.total_sum)}`;
      hits.push({
        type: 'document',
        matched: m.kind,
        title: `${formName(d.form) ?? `form ${d.form}`} ФН ${d.fn} ФД ${d.fd}${d.date_time ? `, ${d.date_time.replace('T', ' ')}` : ''}${sum}`,
        href: `/api/v1/documents/${d.fn}/${d.fd}`,
      });
    }
  }
}

function getSearchRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/search',
    { schema: getSearchSchema },
    async (request) => {
      const p = principalOf(request);
      const { q, limit } = request.query;
      const access = await accessScope(ctx.db, p, 'documents:read');
      const scope = await searchScope(ctx, access);
      const hits: Hit[] = [];
      await placeHits(ctx, scope, q, hits);
      await peopleHits(ctx, p, access, q, hits);
      await documentHits(ctx, scope, q, limit, hits);
      return { items: hits.slice(0, limit) };
    },
  );
}

export function searchRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getSearchRoute(app, ctx);
  };
}
