/**
 * Self-service onboarding (issue 16): a signed-up customer registers its organization (and becomes its owner), accepts
 * the operator's offer, and reads the settings to type into its registers. An INN registered already is never shared
 * silently: `POST /organizations/register` answers INN_CLAIMED and the caller files a claim (inn-claims.routes.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { acceptOffer, currentOffer, findProfile, listAcceptances, publishOffer, registerOrganization } from '../../db/onboarding.repository.js';
import type { OfferAcceptance, OfferVersion } from '../../db/tables/onboarding.js';
import { EDO_OPERATOR_CODES, EDO_OPERATORS, requisiteProblems, TAX_SYSTEM_CODES, TAX_SYSTEMS } from '../../domain/organization-requisites.js';
import { userAgentOf } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso } from '../schemas.js';
import { innSchema } from './organization-views.js';
import { CONNECTION_CHECKLIST } from './connection-checklist.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const registerOrganizationBody = z
  .object({
    inn: innSchema,
    name: text(500).meta({ description: 'Full legal name: ООО «Ромашка», ИП Иванов Иван Иванович' }),
    kpp: z.string().nullable().optional().meta({ description: 'КПП, legal entities only (10-digit INN)' }),
    ogrn: z.string().meta({ description: 'ОГРН (13 digits) or, for an entrepreneur, ОГРНИП (15); check digit verified' }),
    headName: text(300).meta({ description: "The head's full name" }),
    headTitle: text(200).meta({ description: 'Генеральный директор, Индивидуальный предприниматель, …' }),
    edoOperator: z.enum(EDO_OPERATOR_CODES).meta({ description: Object.entries(EDO_OPERATORS).map(([k, v]) => `${k}: ${v}`).join(', ') }),
    legalAddress: text(1000),
    postalAddress: text(1000),
    vatPayer: z.boolean(),
    taxSystems: z
      .array(z.enum(TAX_SYSTEM_CODES))
      .min(1)
      .max(TAX_SYSTEM_CODES.length)
      .refine((xs) => new Set(xs).size === xs.length, 'each tax system once')
      .meta({ description: Object.entries(TAX_SYSTEMS).map(([k, v]) => `${k}: ${v.title}`).join(', ') }),
    acceptOffer: z.string().max(40).optional().meta({ description: 'The version of the current offer, to accept it with the registration' }),
  })
  .superRefine((b, ctx) => {
    if (!/^\d{10}(\d{2})?$/.test(b.inn)) return;
    for (const p of requisiteProblems(b.inn, b.kpp, b.ogrn)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

const organizationCreatedOut = z.object({
  id: z.number().int(),
  inn: z.string(),
  name: z.string(),
  role: z.literal('owner'),
  offerAccepted: z.string().nullable().meta({ description: 'The offer version accepted with the registration' }),
});

const profileOut = z.object({
  organizationId: z.number().int(),
  inn: z.string(),
  name: z.string().nullable(),
  kpp: z.string().nullable(),
  ogrn: z.string().nullable(),
  headName: z.string().nullable(),
  headTitle: z.string().nullable(),
  edoOperator: z.string().nullable(),
  edoOperatorTitle: z.string().nullable(),
  legalAddress: z.string().nullable(),
  postalAddress: z.string().nullable(),
  vatPayer: z.boolean().nullable(),
  taxSystems: z.array(z.string()),
  selfRegistered: z.boolean().meta({ description: 'Registered by a customer (false: created by the operator or from documents)' }),
});

const offerOut = z.object({ version: z.string(), title: z.string(), body: z.string(), publishedAt: dateOut });
const offerJson = (o: OfferVersion): z.infer<typeof offerOut> => ({ version: o.version, title: o.title, body: o.body, publishedAt: iso(o.published_at) });

const acceptanceOut = z.object({
  version: z.string(),
  acceptedAt: dateOut,
  userId: z.number().int().nullable(),
  email: z.string(),
  ip: z.string(),
  userAgent: z.string(),
});
const acceptanceJson = (a: OfferAcceptance): z.infer<typeof acceptanceOut> => ({
  version: a.offer_version,
  acceptedAt: iso(a.accepted_at),
  userId: a.user_id,
  email: a.user_email,
  ip: a.ip,
  userAgent: a.user_agent,
});

const orgParams = z.object({ id: idSchema });

function requireUser(p: Principal): Extract<Principal, { kind: 'user' }> {
  if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user does this (not an API key or the operator token)');
  return p;
}

/** The offer accepted with the registration, with its audit record. */
async function acceptOfferOnRegistration(ctx: ApiContext, version: string, organizationId: number, p: Extract<Principal, { kind: 'user' }>, request: FastifyRequest): Promise<void> {
  await acceptOffer(
    ctx.db,
    { organizationId, version, userId: p.userId, userEmail: p.email, ip: request.ip, userAgent: userAgentOf(request) },
    {
      organizationId,
      actorKind: 'user',
      actorUserId: p.userId,
      actorEmail: p.email,
      actorApiKeyId: null,
      action: 'offer.accepted',
      target: `offer:${version}`,
      details: {},
      ip: request.ip,
      userAgent: userAgentOf(request),
    },
  );
}

const postOrganizationsRegisterSchema = {
  tags: ['onboarding'],
  summary: 'Register an organization (self-service); the caller becomes its owner. A known INN is INN_CLAIMED: file a claim',
  body: registerOrganizationBody,
  response: { 201: organizationCreatedOut, ...errorResponses(400, 401, 403, 409, 429) },
};

function postOrganizationsRegisterRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/register',
    { schema: postOrganizationsRegisterSchema },
    async (request, reply) => {
      const p = requireUser(principalOf(request));
      const b = request.body;
      const offer = b.acceptOffer === undefined ? undefined : await currentOffer(ctx.db);
      if (b.acceptOffer !== undefined && offer?.version !== b.acceptOffer) {
        throw new ApiError('VALIDATION_FAILED', 'body.acceptOffer: not the current offer version', [
          { path: 'body.acceptOffer', message: `the current offer is ${offer?.version ?? 'none'}`, issue: 'custom' },
        ]);
      }
      const outcome = await registerOrganization(
        ctx.db,
        {
          inn: b.inn,
          name: b.name,
          kpp: b.kpp ?? null,
          ogrn: b.ogrn,
          legalAddress: b.legalAddress,
          postalAddress: b.postalAddress,
          vatPayer: b.vatPayer,
          edoOperator: b.edoOperator,
          headName: b.headName,
          headTitle: b.headTitle,
          taxSystems: b.taxSystems,
          ownerUserId: p.userId,
        },
        {
          actorKind: 'user',
          actorUserId: p.userId,
          actorEmail: p.email,
          actorApiKeyId: null,
          action: 'organization.created',
          target: `inn:${b.inn}`,
          details: { name: b.name },
          ip: request.ip,
          userAgent: userAgentOf(request),
        },
      );
      if (!outcome.created) {
        throw new ApiError(
          'INN_CLAIMED',
          outcome.hasOwner
            ? 'an organization with this INN is registered already: ask for access with POST /inn-claims (its owner or the operator approves)'
            : 'documents with this INN arrived before: claim it with POST /inn-claims (the operator approves)',
        );
      }
      if (offer !== undefined) await acceptOfferOnRegistration(ctx, offer.version, outcome.organizationId, p, request);
      return reply.code(201).send({ id: outcome.organizationId, inn: b.inn, name: b.name, role: 'owner' as const, offerAccepted: offer?.version ?? null });
    },
  );
}

const getOrganizationsByIdProfileSchema = {
  tags: ['onboarding'],
  summary: 'The requisites stated at registration: head, ЭДО operator, tax systems',
  params: orgParams,
  response: { 200: profileOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdProfileRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/profile',
    { schema: getOrganizationsByIdProfileSchema },
    async (request) => {
      const p = principalOf(request);
      authorizeOrganization(p, request.params.id, 'organization:read', 'organization');
      const o = await findOrganization(ctx.db, request.params.id);
      if (!o) throw notFound('organization');
      const profile = await findProfile(ctx.db, o.id);
      const edo = o.edo_operator;
      return {
        organizationId: o.id,
        inn: o.inn,
        name: o.name,
        kpp: o.kpp,
        ogrn: o.ogrn,
        headName: profile?.head_name ?? null,
        headTitle: profile?.head_title ?? null,
        edoOperator: edo,
        edoOperatorTitle: edo !== null && edo in EDO_OPERATORS ? EDO_OPERATORS[edo as keyof typeof EDO_OPERATORS] : edo,
        legalAddress: o.legal_address,
        postalAddress: o.postal_address,
        vatPayer: o.vat_payer,
        taxSystems: profile?.tax_systems ?? [],
        selfRegistered: profile !== undefined,
      };
    },
  );
}

function getOffersCurrentRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/offers/current',
    {
      config: { public: true },
      schema: { tags: ['onboarding'], security: [], summary: 'The current offer text', response: { 200: offerOut, ...errorResponses(404, 429) } },
    },
    async () => {
      const o = await currentOffer(ctx.db);
      if (!o) throw notFound('offer');
      return offerJson(o);
    },
  );
}

const postOffersSchema = {
  tags: ['onboarding'],
  summary: 'Publish a new offer version (operator only); organizations accept it anew',
  body: z.object({ version: z.string().regex(/^[0-9A-Za-z._-]{1,40}$/), title: text(300), body: text(200_000) }),
  response: { 201: offerOut, ...errorResponses(400, 401, 403, 409, 429) },
};

function postOffersRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/offers',
    { schema: postOffersSchema },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const o = await publishOffer(ctx.db, request.body.version, request.body.title, request.body.body);
      if (!o) throw new ApiError('VALIDATION_FAILED', 'body.version: this version exists', [{ path: 'body.version', message: 'this version exists', issue: 'custom' }]);
      return reply.code(201).send(offerJson(o));
    },
  );
}

const getOrganizationsByIdOfferSchema = {
  tags: ['onboarding'],
  summary: "The current offer and the organization's acceptances (who, which version, when, from where)",
  params: orgParams,
  response: {
    200: z.object({ current: offerOut.nullable(), acceptedCurrent: z.boolean(), acceptances: z.array(acceptanceOut) }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getOrganizationsByIdOfferRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/offer',
    { schema: getOrganizationsByIdOfferSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'organization:read', 'organization');
      const current = await currentOffer(ctx.db);
      const acceptances = await listAcceptances(ctx.db, request.params.id);
      return {
        current: current ? offerJson(current) : null,
        acceptedCurrent: current !== undefined && acceptances.some((a) => a.offer_version === current.version),
        acceptances: acceptances.map(acceptanceJson),
      };
    },
  );
}

const postOrganizationsByIdOfferAcceptancesSchema = {
  tags: ['onboarding'],
  summary: 'Accept the current offer for the organization (owners and admins); accepting it again answers the first acceptance',
  params: orgParams,
  body: z.object({ version: z.string().min(1).max(40) }),
  response: { 200: acceptanceOut, 201: acceptanceOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdOfferAcceptancesRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/:id/offer-acceptances',
    { schema: postOrganizationsByIdOfferAcceptancesSchema },
    async (request, reply) => {
      const p = principalOf(request);
      authorizeOrganization(p, request.params.id, 'organization:write', 'organization');
      const user = requireUser(p);
      const current = await currentOffer(ctx.db);
      if (current?.version !== request.body.version) {
        throw new ApiError('VALIDATION_FAILED', 'body.version: not the current offer version', [
          { path: 'body.version', message: `the current offer is ${current?.version ?? 'none'}`, issue: 'custom' },
        ]);
      }
      const { acceptance, created } = await acceptOffer(
        ctx.db,
        { organizationId: request.params.id, version: current.version, userId: user.userId, userEmail: user.email, ip: request.ip, userAgent: userAgentOf(request) },
        {
          organizationId: request.params.id,
          actorKind: 'user',
          actorUserId: user.userId,
          actorEmail: user.email,
          actorApiKeyId: null,
          action: 'offer.accepted',
          target: `offer:${current.version}`,
          details: {},
          ip: request.ip,
          userAgent: userAgentOf(request),
        },
      );
      return reply.code(created ? 201 : 200).send(acceptanceJson(acceptance));
    },
  );
}

const getConnectionSettingsSchema = {
  tags: ['onboarding'],
  summary: 'What to type into a register to connect it to this operator, and the «Что нужно для старта» checklist',
  response: {
    200: z.object({
      gateway: z.object({ host: z.string(), port: z.number().int(), address: z.string().meta({ description: 'host:port' }) }),
      operatorInn: z.string(),
      checklist: z.array(z.object({ key: z.string(), title: z.string(), description: z.string() })),
    }),
    ...errorResponses(401, 429),
  },
};

function getConnectionSettingsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/connection-settings',
    { schema: getConnectionSettingsSchema },
    async (request) => {
      principalOf(request);
      const s = ctx.onboarding;
      const address = s.gatewayPublicAddress ?? `${request.hostname.replace(/:\d+$/, '')}:${s.gatewayPort}`;
      const cut = address.lastIndexOf(':');
      return {
        gateway: { host: address.slice(0, cut), port: Number(address.slice(cut + 1)), address },
        operatorInn: s.operatorInn,
        checklist: CONNECTION_CHECKLIST.map((c) => ({ ...c })),
      };
    },
  );
}

export function onboardingRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    postOrganizationsRegisterRoute(app, ctx);
    getOrganizationsByIdProfileRoute(app, ctx);
    getOffersCurrentRoute(app, ctx);
    postOffersRoute(app, ctx);
    getOrganizationsByIdOfferRoute(app, ctx);
    postOrganizationsByIdOfferAcceptancesRoute(app, ctx);
    getConnectionSettingsRoute(app, ctx);
  };
}
