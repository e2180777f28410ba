/**
 * The API's error catalogue: every error response has a stable `code` from this table, its HTTP status and a
 * description. Clients branch on `code`, never on `message`. The catalogue is published in the OpenAPI document
 * (`info.description` and the `ApiError` schema's enum), and a test fails when a code is used in src/api but missing here.
 *
 * Body of every error: `{ statusCode, code, message, details? }`; `details` lists field-level problems for 400s:
 * `[{ path: 'query.amountMin', message: '…', issue: 'too_small' }]`.
 */
import { CodedError } from '../domain/errors.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isBillingError } from '../billing/errors.js';

export const API_ERRORS = {
  VALIDATION_FAILED: { status: 400, description: 'The request does not match the schema; `details` names each field at fault.' },
  BAD_REQUEST: { status: 400, description: 'The body is not valid JSON, or the request is malformed in another way.' },
  BAD_CURSOR: { status: 400, description: 'The `cursor` is not one this API returned (or belongs to another listing).' },
  TOKEN_INVALID: { status: 400, description: 'The e-mail confirmation or password-reset token is unknown, used or expired.' },
  UNAUTHENTICATED: { status: 401, description: 'No credentials, or credentials that are invalid, expired or revoked.' },
  INVALID_CREDENTIALS: { status: 401, description: 'Login failed: wrong e-mail or password.' },
  EMAIL_NOT_CONFIRMED: { status: 403, description: 'Login refused until the e-mailed confirmation link is followed.' },
  USER_DISABLED: { status: 403, description: 'The user is disabled by the operator.' },
  CSRF_FAILED: {
    status: 403,
    description: "A state-changing request authenticated by the cabinet's session cookie lacks the session's CSRF token in `x-csrf-token`.",
  },
  FORBIDDEN: {
    status: 403,
    description: 'The caller is authenticated and may see the resource, but its role or API-key scopes do not allow this action.',
  },
  NOT_FOUND: {
    status: 404,
    description: "The resource does not exist or belongs to an organization the caller has no access to (the two are not told apart).",
  },
  ROUTE_NOT_FOUND: { status: 404, description: 'No such endpoint (method and path).' },
  EMAIL_TAKEN: { status: 409, description: 'A user with this e-mail already exists.' },
  REGISTER_EXISTS: { status: 409, description: 'A register with this registration number is already known.' },
  OUTLET_EXISTS: { status: 409, description: 'The organization already has an outlet with this address and place.' },
  LAST_OWNER: { status: 409, description: 'The change would leave the organization without an owner.' },
  APPLICATION_STATE: { status: 409, description: 'The KKT application is not in a status that allows this (e.g. signing one that is already signed).' },
  CERTIFICATE_TAKEN: { status: 409, description: 'The certificate (its СНИЛС or ИНН) already signs another user in.' },
  SIGNATURE_REJECTED: {
    status: 422,
    description:
      'The electronic signature was refused: forged or for another document, untrusted CA, expired or revoked certificate, or an owner other than the organization; `details[0].issue` is the reason code.',
  },
  INN_CLAIMED: {
    status: 409,
    description: 'An organization with this INN is registered already: file an INN claim (`POST /inn-claims`), approved by its owner or the operator.',
  },
  CLAIM_EXISTS: { status: 409, description: 'The caller has an open claim on this organization already, or is its member.' },
  INVITATION_INVALID: { status: 404, description: 'The invitation link is unknown, revoked, used or expired.' },
  INVITATION_EMAIL_MISMATCH: { status: 403, description: 'The invitation was sent to another e-mail: sign in with that one.' },
  PREPARED_REGISTER_EXISTS: { status: 409, description: 'The organization has a register with this KKT serial number already.' },
  IMPORT_INVALID: {
    status: 422,
    description: 'The register file has errors (each with its row and column in `details`); nothing was imported. Fix them, or ask to import the valid rows.',
  },
  INSUFFICIENT_FUNDS: { status: 409, description: 'The balance (or the SMS package, or the activation codes) does not cover the purchase; nothing was charged.' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, description: 'The idempotency key was used before for a different request; nothing was done.' },
  TARIFF_UNAVAILABLE: { status: 409, description: 'The tariff is not on sale (withdrawn by the operator).' },
  TARIFF_EXISTS: { status: 409, description: 'A tariff with this code already exists.' },
  PRODUCT_UNAVAILABLE: { status: 409, description: 'The Маркет product is not on sale.' },
  ACTIVATION_CODE_USED: { status: 409, description: 'The activation code was applied to another register.' },
  REGISTER_WITHOUT_ORGANIZATION: { status: 409, description: 'The register belongs to no organization yet, so nobody can pay for it.' },
  PAYMENT_NOT_REFUNDABLE: { status: 409, description: 'The card payment has not succeeded, or the refund exceeds what is left of it.' },
  BAD_SIGNATURE: { status: 401, description: 'A payment-provider callback whose signature does not match the shared secret.' },
  LIMITS_UNAVAILABLE: {
    status: 503,
    description:
      'Sign-in and sending limits are kept in Redis, which did not answer: nothing was done, try again in a minute (operators: check Redis and `/health/ready`).',
  },
  PAYMENTS_NOT_CONFIGURED: { status: 503, description: 'Card payments are not configured on this server (OFD_PAY_URL).' },
  PAYMENT_PROVIDER_FAILED: { status: 502, description: 'The payment provider refused or did not answer; nothing was charged, try again later.' },
  EXPORT_EXPIRED: {
    status: 410,
    description:
      "The export's file was deleted when its retention ended (OFD_EXPORT_RETENTION_DAYS after it was made): make the export again (`POST /organizations/{id}/exports`, or «Выгрузки» in the cabinet).",
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is larger than the API accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The body is not `application/json`.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests for this key (API key, user or address); retry after `retry-after` seconds.' },
  LOGIN_LOCKED: {
    status: 429,
    description: 'Too many failed logins for this e-mail (from any address): locked for `retry-after` seconds, the account was e-mailed.',
  },
  RECEIPT_SENDS_EXHAUSTED: {
    status: 429,
    description: "The organization's e-receipt sends for this hour are used up; retry after `retry-after` seconds.",
  },
  INTERNAL: { status: 500, description: 'An unexpected error; it is logged with the request id.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

export interface FieldIssue {
  /** Where: `body.password`, `query.amountMin`, `params.fd`. */
  path: string;
  message: string;
  /** The validator's issue kind (`too_small`, `invalid_format`, `custom`, …). */
  issue: string;
}

export class ApiError extends CodedError<ApiErrorCode> {
  override readonly name = 'ApiError';
  /** From the catalogue: one table maps every code onto its HTTP status. */
  readonly statusCode: number;
  /** Sent as `retry-after` (seconds, rounded up) with a 429. */
  readonly retryAfterMs?: number;

  constructor(
    code: ApiErrorCode,
    message: string,
    readonly details?: readonly FieldIssue[],
  ) {
    super(code, message);
    this.statusCode = API_ERRORS[code].status;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** 404 that does not tell "absent" from "not yours". */
export const notFound = (what: string): ApiError => new ApiError('NOT_FOUND', `${what} not found`);

export const errorBodySchema = z
  .object({
    statusCode: z.number().int(),
    code: z.enum(API_ERROR_CODES as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string(), issue: z.string() })).optional(),
  })
  .meta({ id: 'ApiError', description: 'Every error response. See the error catalogue in the API description.' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

export function errorBody(e: ApiError): ErrorBody {
  return { statusCode: e.statusCode, code: e.code, message: e.message, ...(e.details ? { details: [...e.details] } : {}) };
}

/** The catalogue as a Markdown table, for the OpenAPI description. */
export function errorCatalogueMarkdown(): string {
  const rows = API_ERROR_CODES.map((code) => `| \`${code}\` | ${API_ERRORS[code].status} | ${API_ERRORS[code].description} |`);
  return ['| code | HTTP | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Standard error responses to add to a route's schema, so the OpenAPI document shows them. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorBodySchema]));
}

type ValidationPart = 'body' | 'querystring' | 'params' | 'headers';
const PART_NAME: Record<ValidationPart, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** Fastify's own client errors (FST_ERR_*) mapped onto the catalogue. */
function fromFastifyError(e: FastifyError): ApiError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', e.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('BAD_REQUEST', e.message);
    default:
      break;
  }
  if (e.statusCode === 429) return new ApiError('RATE_LIMITED', e.message);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    // A body fastify could not parse (bad JSON from the parser itself): SyntaxError with statusCode 400.
    return new ApiError('BAD_REQUEST', e.message);
  }
  return undefined;
}

export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  // Billing refusals carry the catalogue's own code names.
  if (isBillingError(e)) return new ApiError(e.code, e.message);
  if (hasZodFastifySchemaValidationErrors(e)) {
    const part = (PART_NAME[(e as { validationContext?: ValidationPart }).validationContext ?? 'body'] ?? 'body');
    const details: FieldIssue[] = e.validation.map((v) => {
      const sub = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return { path: sub === '' ? part : `${part}.${sub}`, message: v.message ?? 'invalid', issue: v.keyword };
    });
    const first = details[0];
    return new ApiError('VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : 'invalid request', details);
  }
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as FastifyError).code === 'string') {
    if (isResponseSerializationError(e as unknown as Error)) return new ApiError('INTERNAL', 'internal error');
    const mapped = fromFastifyError(e as FastifyError);
    if (mapped) return mapped;
  }
  return new ApiError('INTERNAL', 'internal error');
}

/** Installs the error and not-found handlers that turn everything into the catalogue's body. */
export function installErrorHandling(
  app: FastifyInstance,
  /** Answers a not-found request itself (the cabinet's SPA fallback) and returns true, or returns false. */
  fallback?: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  app.setErrorHandler((e: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(e);
    if (apiError.code === 'INTERNAL') request.log.error({ err: e, reqId: request.id }, 'request failed');
    if (apiError.code === 'RATE_LIMITED') {
      const retryAfter = (e as { headers?: Record<string, string> }).headers?.['retry-after'];
      if (retryAfter !== undefined) void reply.header('retry-after', retryAfter);
    }
    if (apiError.retryAfterMs !== undefined) void reply.header('retry-after', String(Math.ceil(apiError.retryAfterMs / 1000)));
    void reply.code(apiError.statusCode).type('application/json; charset=utf-8');
    return reply.send(errorBody(apiError));
  });
  app.setNotFoundHandler((request, reply) => {
    if (fallback?.(request, reply) === true) return reply;
    const e = new ApiError('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0] ?? ''}`);
    void reply.code(e.statusCode);
    return reply.send(errorBody(e));
  });
}
