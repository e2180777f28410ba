// The OpenAPI document at /docs/json (and /docs/yaml), generated from the routes' zod schemas, and its UI at /docs
// served from the package (offline).
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { errorCatalogueMarkdown } from './errors.js';

const DESCRIPTION = [
  'The cabinet and integrator API of an open-source fiscal data operator (ОФД, 54-ФЗ).',
  '',
  'Authentication: `Authorization: Bearer <token>` with a session token (`POST /api/v1/auth/login`), an',
  'organization API key (`ofd_…`) or the operator token. Money is integer kopecks; document times are the',
  "register's local wall clock (`YYYY-MM-DDTHH:mm:ss`). Lists are paged with `limit` and `cursor` (`nextCursor`).",
  '',
  "The web cabinet signs in with `POST /api/v1/auth/session` instead: an httpOnly `ofd_session` cookie, and a CSRF",
  'token to send in `x-csrf-token` on every POST, PUT, PATCH and DELETE made with that cookie.',
  '',
  '## Errors',
  '',
  'Every error has the body `ApiError`: `{ statusCode, code, message, details? }`. Codes:',
  '',
];

const TAGS = [
  { name: 'auth', description: 'Sign-up, login, password reset' },
  { name: 'organizations', description: 'Organizations, members, API keys' },
  { name: 'registry', description: 'Outlets, registers, fiscal drives' },
  { name: 'documents', description: 'Fiscal documents' },
  { name: 'shifts', description: 'Shifts and Z-reports' },
  { name: 'reports', description: 'Analytics reports and their csv/xlsx exports' },
  { name: 'webhooks', description: 'Webhook subscriptions and their delivery log' },
  { name: 'notifications', description: 'Condition notifications: per-organization rules and the log of what fired' },
  { name: 'onboarding', description: 'Self-service: registering an organization, the offer, INN claims, connection settings, the action log' },
  { name: 'team', description: 'Invitations by e-mail and members limited to outlets or registers' },
  { name: 'billing', description: 'Balance, account history, top-ups, tariffs, the Маркет' },
  { name: 'ops', description: 'Health and metrics' },
];

export function installOpenApi(app: FastifyInstance): void {
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'ofd-gateway API', version: '1', description: [...DESCRIPTION, errorCatalogueMarkdown()].join('\n') },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Session token, API key (ofd_…) or operator token' } },
      },
      security: [{ bearer: [] }],
      tags: TAGS,
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  void app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // No call to the public validator: the UI works offline.
    uiConfig: { validatorUrl: null, deepLinking: true },
  });
}
