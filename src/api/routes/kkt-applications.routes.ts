/**
 * KKT registration applications (issue 18): the customer prepares one (registration, re-registration, deregistration)
 * from the FNS form's fields, signs the XML we generated with their qualified signature in the browser (a detached
 * CMS), and we verify it, send it to the FNS through the fns-kkt queue and follow it to the РНМ and the completed
 * registration. Each step is in the application's history; its documents (the XML, the signature, the FNS's answers)
 * can be downloaded.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SignatureError } from '../../adapters/signature/errors.js';
import { verifyOrganizationSignature } from '../../adapters/signature/verify-signed.js';
import type { JsonObject } from '../../db/column-types.js';
import {
  createKktApplication,
  eventsOfKktApplication,
  findKktApplication,
  listKktApplications,
  transitionKktApplication,
} from '../../db/kkt-applications.repository.js';
import type { KktApplication, KktApplicationEvent } from '../../db/tables/kkt-applications.js';
import { KKT_APPLICATION_STATUSES } from '../../db/tables/kkt-applications.js';
import { applicationInput, type ApplicationInput } from '../../domain/kkt-registration/application.js';
import { applicationXml, fileId } from '../../domain/kkt-registration/application-xml.js';
import { KNOWN_FN_FAMILIES, KNOWN_KKT_MODELS } from '../../domain/kkt-registration/known-models.js';
import { checkModels } from '../../domain/kkt-registration/model-check.js';
import { signerNameMismatch } from '../../domain/kkt-registration/signer-match.js';
import { prefillApplication } from '../../domain/kkt-registration/prefill.js';
import { kktPrefill } from '../../db/kkt-prefill.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, visibleOrganizations } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso } from '../schemas.js';

const DOCUMENTS = ['application.xml', 'application.xml.sig', 'fns-answer.json'] as const;

const eventOut = z.object({ status: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).nullable(), at: dateOut });
const applicationOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  kind: z.enum(['registration', 'reregistration', 'deregistration']),
  status: z.enum(KKT_APPLICATION_STATUSES),
  kktSerialNumber: z.string(),
  fnSerialNumber: z.string(),
  kktRegId: z.string().nullable().meta({ description: 'РНМ assigned by the FNS' }),
  fileId: z.string().meta({ description: 'ИдФайл of the application XML' }),
  signer: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Certificate owner (ИНН, ОГРН, СНИЛС, name) and signing time' }),
  refusal: z.record(z.string(), z.unknown()).nullable(),
  report: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The registration report that completed it: FD number, ФП, date and time' }),
  mismatch: z.record(z.string(), z.unknown()).nullable().meta({ description: 'A registration report that did not match the application, with what to do' }),
  documents: z.array(z.enum(DOCUMENTS)),
  createdAt: dateOut,
  updatedAt: dateOut,
});
const warningOut = z.object({ path: z.string(), message: z.string(), issue: z.string() });
const detailOut = applicationOut.extend({
  input: z.record(z.string(), z.unknown()),
  xml: z.string(),
  history: z.array(eventOut),
  warnings: z.array(warningOut).optional().meta({ description: 'On creation: findings that do not stop the application (a model missing from our list of known models), each naming its field' }),
});
const fiscalRefOut = z.object({ dateTime: z.string(), fiscalDocumentNumber: z.number().int(), fiscalSign: z.string() });
const prefillOut = z.object({
  kktRegId: z.string(),
  registerId: z.number().int().nullable(),
  application: z.record(z.string(), z.unknown()).meta({ description: 'The fields of a re-registration or deregistration as far as we know them (kkt, fn, place, modes, signer, ofd)' }),
  closingReport: fiscalRefOut.nullable().meta({ description: 'The latest FN closing report (form 6) the register sent' }),
  replacementReport: fiscalRefOut.nullable().meta({ description: 'A report on changed registration details (form 11) from a new FN after that closing report' }),
  replacementFn: z.string().nullable(),
  sources: z.array(z.string()),
});

function applicationJson(a: KktApplication): z.infer<typeof applicationOut> {
  return {
    id: a.id,
    organizationId: a.organization_id,
    kind: a.kind,
    status: a.status,
    kktSerialNumber: a.kkt_serial,
    fnSerialNumber: a.fn_serial,
    kktRegId: a.kkt_reg_id,
    fileId: a.file_id,
    signer: a.signer,
    refusal: a.refusal,
    report: a.report,
    mismatch: a.mismatch,
    documents: DOCUMENTS.filter((d) => d === 'application.xml' || (d === 'application.xml.sig' ? a.signature !== null : a.fns_application_id !== null)),
    createdAt: iso(a.created_at),
    updatedAt: iso(a.updated_at),
  };
}

const detailJson = (a: KktApplication, events: KktApplicationEvent[]): z.infer<typeof detailOut> => ({
  ...applicationJson(a),
  input: a.input,
  xml: a.xml,
  history: events.map((e) => ({ status: e.status, message: e.message, data: e.data, at: iso(e.created_at) })),
});

/** Moscow's calendar day: ДатаДок of the application. */
const moscowDate = (d: Date): string => new Date(d.getTime() + 3 * 3600_000).toISOString().slice(0, 10);

function kktApplicationLocals(ctx: ApiContext) {
  const k = ctx.kktRegistration;
  async function loadVisible(principal: ReturnType<typeof principalOf>, id: number, permission: 'registry:read' | 'registry:write'): Promise<KktApplication> {
    const a = await findKktApplication(ctx.db, id);
    if (!a) throw notFound('application');
    authorizeOrganization(principal, a.organization_id, permission, 'application');
    return a;
  }
  return { k, loadVisible };
}
type KktApplicationLocals = ReturnType<typeof kktApplicationLocals>;

const postOrganizationsByIdKktApplicationsSchema = {
  tags: ['kkt-applications'],
  summary: 'Prepare a KKT registration, re-registration or deregistration application (a draft to sign)',
  params: z.object({ id: idSchema }),
  body: applicationInput,
  response: { 201: detailOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdKktApplicationsRoute(app: ApiApp, ctx: ApiContext, { k }: KktApplicationLocals): void {
  app.post(
    '/organizations/:id/kkt-applications',
    { schema: postOrganizationsByIdKktApplicationsSchema },
    async (request, reply) => {
      const principal = principalOf(request);
      const orgId = request.params.id;
      authorizeOrganization(principal, orgId, 'registry:write', 'organization');
      const org = await findOrganization(ctx.db, orgId);
      if (!org) throw notFound('organization');
      const findings = checkModels({ kkt: request.body.kkt, fn: request.body.fn, modes: request.body.kind === 'deregistration' ? undefined : request.body.modes });
      const refusals = findings.filter((f) => f.severity === 'error');
      if (refusals.length > 0) throw new ApiError('VALIDATION_FAILED', `${refusals[0]!.path}: ${refusals[0]!.message}`, refusals.map((f) => ({ path: f.path, message: f.message, issue: f.issue })));
      const warnings = findings.filter((f) => f.severity === 'warning').map((f) => ({ path: f.path, message: f.message, issue: f.issue }));
      const input: ApplicationInput =
        request.body.kind !== 'deregistration' && !request.body.ofd ? { ...request.body, ofd: { ofdInn: k.operatorInn, ofdName: k.operatorName } } : request.body;
      const x = {
        application: input,
        applicant: { inn: org.inn, name: org.name ?? org.inn, kpp: org.kpp ?? undefined },
        senderInn: k.operatorInn,
        senderKpp: k.operatorKpp,
        fileGuid: randomUUID(),
        documentDate: moscowDate(new Date()),
      };
      const row = await createKktApplication(ctx.db, {
        organizationId: orgId,
        kind: input.kind,
        input: input as unknown as JsonObject,
        kktSerial: input.kkt.serialNumber,
        fnSerial: input.fn.serialNumber,
        xml: applicationXml(x),
        fileId: fileId(x),
        userId: principal.kind === 'user' ? principal.userId : null,
      });
      reply.code(201);
      return { ...detailJson(row, await eventsOfKktApplication(ctx.db, row.id)), warnings };
    },
  );
}

const getOrganizationsByIdKktApplicationsPrefillSchema = {
  tags: ['kkt-applications'],
  summary: 'A re-registration or deregistration of one of the organization’s registers, prefilled: the last application, the register’s last registration report, its FN closing report',
  params: z.object({ id: idSchema }),
  querystring: z.object({ kktRegId: z.string().regex(/^\d{16}$/, 'РНМ: 16 цифр') }),
  response: { 200: prefillOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdKktApplicationsPrefillRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/kkt-applications/prefill',
    { schema: getOrganizationsByIdKktApplicationsPrefillSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'registry:read', 'organization');
      const found = await kktPrefill(ctx.db, request.params.id, request.query.kktRegId);
      if (!found) throw notFound('register');
      const p = prefillApplication(found);
      return {
        kktRegId: found.kktRegId,
        registerId: found.registerId,
        application: p.application,
        closingReport: p.closingReport ?? null,
        replacementReport: p.replacementReport ?? null,
        replacementFn: p.replacementFn ?? null,
        sources: p.sources,
      };
    },
  );
}

const getKktModelsSchema = {
  tags: ['kkt-applications'],
  summary: 'The KKT models and FN families we know (a hand-made subset of the FNS registers: an unknown model is only a warning)',
  response: {
    200: z.object({
      kkt: z.array(z.object({ name: z.string(), manufacturer: z.string() })),
      fn: z.array(z.object({ family: z.string(), ffd: z.array(z.string()) })),
    }),
    ...errorResponses(401, 429),
  },
};

function getKktModelsRoute(app: ApiApp): void {
  app.get(
    '/kkt-models',
    { schema: getKktModelsSchema },
    async (request) => {
      principalOf(request);
      return { kkt: KNOWN_KKT_MODELS.map((m) => ({ name: m.name, manufacturer: m.manufacturer })), fn: KNOWN_FN_FAMILIES.map((f) => ({ family: f.family, ffd: [...f.ffd] })) };
    },
  );
}

const getOrganizationsByIdKktApplicationsSchema = {
  tags: ['kkt-applications'],
  summary: "The organization's KKT applications, newest first",
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(applicationOut) }), ...errorResponses(401, 403, 404, 429) },
};

function getOrganizationsByIdKktApplicationsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/kkt-applications',
    { schema: getOrganizationsByIdKktApplicationsSchema },
    async (request) => {
      const principal = principalOf(request);
      authorizeOrganization(principal, request.params.id, 'registry:read', 'organization');
      const visible = visibleOrganizations(principal, 'registry:read');
      const ids = visible === 'all' ? [request.params.id] : visible.filter((v) => v === request.params.id);
      return { items: (await listKktApplications(ctx.db, ids, 200)).map(applicationJson) };
    },
  );
}

const getKktApplicationsByIdSchema = {
  tags: ['kkt-applications'],
  summary: 'An application with its history',
  params: z.object({ id: idSchema }),
  response: { 200: detailOut, ...errorResponses(401, 403, 404, 429) },
};

function getKktApplicationsByIdRoute(app: ApiApp, ctx: ApiContext, { loadVisible }: KktApplicationLocals): void {
  app.get(
    '/kkt-applications/:id',
    { schema: getKktApplicationsByIdSchema },
    async (request) => {
      const a = await loadVisible(principalOf(request), request.params.id, 'registry:read');
      return detailJson(a, await eventsOfKktApplication(ctx.db, a.id));
    },
  );
}

const getKktApplicationsByIdDocumentsByNameSchema = {
  tags: ['kkt-applications'],
  summary: "Download one of the application's documents: the XML, its signature (CMS, DER), the FNS's answers",
  params: z.object({ id: idSchema, name: z.enum(DOCUMENTS) }),
  response: { ...errorResponses(401, 403, 404, 429) },
};

function getKktApplicationsByIdDocumentsByNameRoute(app: ApiApp, ctx: ApiContext, { loadVisible }: KktApplicationLocals): void {
  app.get(
    '/kkt-applications/:id/documents/:name',
    { schema: getKktApplicationsByIdDocumentsByNameSchema },
    async (request, reply) => {
      const a = await loadVisible(principalOf(request), request.params.id, 'registry:read');
      const name = request.params.name;
      reply.header('content-disposition', `attachment; filename="${a.file_id}${name.slice('application'.length)}"`);
      // Not the JSON response schema: the document's own bytes (as the report exports do).
      if (name === 'application.xml') return reply.type('application/xml; charset=utf-8').send(a.xml as never);
      if (name === 'application.xml.sig') {
        if (!a.signature) throw notFound('signature');
        return reply.type('application/pkcs7-signature').send(a.signature as never);
      }
      if (!a.fns_application_id) throw notFound('FNS answer');
      const events = (await eventsOfKktApplication(ctx.db, a.id)).filter((e) => ['accepted', 'rnm_assigned', 'refused', 'completed'].includes(e.status));
      return reply.type('application/json').send(
        JSON.stringify({ fnsApplicationId: a.fns_application_id, kktRegId: a.kkt_reg_id, refusal: a.refusal, answers: events.map((e) => ({ status: e.status, message: e.message, at: iso(e.created_at) })) }) as never,
      );
    },
  );
}

const postKktApplicationsByIdSignatureSchema = {
  tags: ['kkt-applications'],
  summary: 'Attach the customer’s detached CMS signature of the application XML (verified here), and send it to the FNS',
  params: z.object({ id: idSchema }),
  body: z.object({ signature: z.base64().min(1).max(200_000).meta({ description: 'Detached CMS (PKCS#7 SignedData), DER, base64' }) }),
  response: { 200: detailOut, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
};

function postKktApplicationsByIdSignatureRoute(app: ApiApp, ctx: ApiContext, { loadVisible, k }: KktApplicationLocals): void {
  app.post(
    '/kkt-applications/:id/signature',
    { schema: postKktApplicationsByIdSignatureSchema },
    async (request) => {
      const a = await loadVisible(principalOf(request), request.params.id, 'registry:write');
      if (a.status !== 'draft') throw new ApiError('APPLICATION_STATE', `the application is ${a.status}, only a draft is signed`);
      const org = await findOrganization(ctx.db, a.organization_id);
      if (!org) throw notFound('organization');
      const cms = Buffer.from(request.body.signature, 'base64');
      let verified;
      try {
        verified = verifyOrganizationSignature(cms, Buffer.from(a.xml, 'utf8'), { inn: org.inn, ogrn: org.ogrn }, k.trust(), k.verifyOptions);
        const named = signerNameMismatch(applicationInput.parse(a.input).signer, verified.owner);
        if (named) throw new SignatureError('SIGNER_NAME_MISMATCH', named);
      } catch (e) {
        if (e instanceof SignatureError) throw new ApiError('SIGNATURE_REJECTED', e.message, [{ path: 'body.signature', message: e.message, issue: e.code }]);
        throw e;
      }
      const o = verified.owner;
      const signer = {
        commonName: o.commonName ?? null,
        organizationInn: o.organizationInn ?? null,
        personInn: o.personInn ?? null,
        ogrn: o.ogrn ?? o.ogrnip ?? null,
        snils: o.snils ?? null,
        certificateSerial: verified.signer.serial,
        signingTime: verified.signingTime.toISOString(),
      };
      const row = await transitionKktApplication(ctx.db, a.id, {
        from: ['draft'],
        to: 'signed',
        message: `Подписано: ${o.commonName ?? ''} (сертификат ${verified.signer.serial})`,
        patch: { signature: cms, signer, signed_at: verified.signingTime },
      });
      if (!row) throw new ApiError('APPLICATION_STATE', 'the application was signed meanwhile');
      // Queue the first step now; if this fails the worker's sweep sends it anyway (the status is in PostgreSQL).
      await k.enqueue?.(row.id, 'signed').catch((e: unknown) => request.log.warn({ err: (e as Error).message }, 'fns-kkt enqueue failed; the sweep will pick it up'));
      return detailJson(row, await eventsOfKktApplication(ctx.db, row.id));
    },
  );
}

export function kktApplicationRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = kktApplicationLocals(ctx);
    postOrganizationsByIdKktApplicationsRoute(app, ctx, locals);
    getOrganizationsByIdKktApplicationsPrefillRoute(app, ctx);
    getKktModelsRoute(app);
    getOrganizationsByIdKktApplicationsRoute(app, ctx);
    getKktApplicationsByIdRoute(app, ctx, locals);
    getKktApplicationsByIdDocumentsByNameRoute(app, ctx, locals);
    postKktApplicationsByIdSignatureRoute(app, ctx, locals);
  };
}
