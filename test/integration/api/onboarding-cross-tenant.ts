// Cross-tenant cases of the onboarding routes (issue 16), merged into cross-tenant.test.ts's route table: customer A
// (its owner's session, its API key) tries each route with customer B's ids.
import type { LightMyRequestResponse } from 'fastify';
import type { TenantOnboarding } from './onboarding-fixture.js';
import { organizationBody } from './onboarding-fixture.js';
import type { Tenant } from './tenant-fixture.js';

export type Caller = 'session' | 'apiKey';

export interface OnboardingAttempt {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: Record<string, unknown>;
  expect: 'denied' | 'empty' | 'noLeak' | 'custom';
  /** For 'custom': whether the answer keeps B's data from A (`leaked` is the generic check's verdict). */
  check?: (r: LightMyRequestResponse, caller: Caller, leaked: boolean) => boolean;
}

/** Routes without tenant data: the public offer text, the import template, the connection settings. */
export const ONBOARDING_NO_TENANT_DATA = ['GET /api/v1/offers/current', 'GET /api/v1/prepared-registers/import-template', 'GET /api/v1/connection-settings'];

/** Public routes that read tenant data only with a secret token from an e-mail. */
export const ONBOARDING_TOKEN_ROUTES = ['GET /api/v1/invitations/:token'];

/** URLs an API key may not use (users' and owners' routes): skipped when B's API key re-reads them. */
export const ONBOARDING_USER_ONLY = /inn-claims|invitations|member-limits|audit-log/;

const BOGUS_TOKEN = 'x'.repeat(43);

export function onboardingAttempts(a: Tenant, b: Tenant, bo: TenantOnboarding, claimantEmail: string): Record<string, OnboardingAttempt[]> {
  const org = `/api/v1/organizations/${b.organizationId}`;
  const own = `/api/v1/organizations/${a.organizationId}`;
  return {
    // B's INN is registered: A learns that much (INNs are public), never B's data, and gets no access.
    'POST /api/v1/organizations/register': [
      {
        method: 'POST',
        url: '/api/v1/organizations/register',
        payload: organizationBody(b.inn.slice(0, 9)),
        expect: 'custom',
        check: (r, caller, leaked) => !leaked && (caller === 'session' ? r.json<{ code: string }>().code === 'INN_CLAIMED' : r.statusCode === 403),
      },
    ],
    'GET /api/v1/organizations/:id/profile': [{ method: 'GET', url: `${org}/profile`, expect: 'denied' }],
    'POST /api/v1/offers': [{ method: 'POST', url: '/api/v1/offers', payload: { version: 'x1', title: 't', body: 'b' }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/offer': [{ method: 'GET', url: `${org}/offer`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/offer-acceptances': [{ method: 'POST', url: `${org}/offer-acceptances`, payload: { version: '2026-12-01' }, expect: 'denied' }],
    // A may ask for B's INN: a pending claim, no access (every other case here still runs without it).
    'POST /api/v1/inn-claims': [
      {
        method: 'POST',
        url: '/api/v1/inn-claims',
        payload: { inn: b.inn, comment: 'it is ours' },
        expect: 'custom',
        check: (r, caller) => (caller === 'session' ? r.statusCode === 201 && r.json<{ status: string }>().status === 'pending' : r.statusCode === 403),
      },
    ],
    // A sees its own claims, never the claims others filed on B.
    'GET /api/v1/inn-claims': [
      {
        method: 'GET',
        url: '/api/v1/inn-claims',
        expect: 'custom',
        check: (r, caller) => (caller === 'session' ? r.statusCode === 200 && !r.body.includes(claimantEmail) : r.statusCode === 403),
      },
    ],
    'POST /api/v1/inn-claims/:claimId/approve': [{ method: 'POST', url: `/api/v1/inn-claims/${bo.claimId}/approve`, payload: { role: 'owner' }, expect: 'denied' }],
    'POST /api/v1/inn-claims/:claimId/reject': [{ method: 'POST', url: `/api/v1/inn-claims/${bo.claimId}/reject`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/audit-log': [{ method: 'GET', url: `${org}/audit-log`, expect: 'denied' }],
    'POST /api/v1/organizations/:id/invitations': [
      { method: 'POST', url: `${org}/invitations`, payload: { email: 'spy@example.test', role: 'owner' }, expect: 'denied' },
    ],
    'GET /api/v1/organizations/:id/invitations': [{ method: 'GET', url: `${org}/invitations`, expect: 'denied' }],
    'DELETE /api/v1/organizations/:id/invitations/:invitationId': [
      { method: 'DELETE', url: `${org}/invitations/${bo.invitationId}`, expect: 'denied' },
      { method: 'DELETE', url: `${own}/invitations/${bo.invitationId}`, expect: 'denied' },
    ],
    'GET /api/v1/invitations/:token': [{ method: 'GET', url: `/api/v1/invitations/${BOGUS_TOKEN}`, expect: 'denied' }],
    'POST /api/v1/invitations/accept': [{ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: BOGUS_TOKEN }, expect: 'denied' }],
    'GET /api/v1/organizations/:id/member-limits': [{ method: 'GET', url: `${org}/member-limits`, expect: 'denied' }],
    'PUT /api/v1/organizations/:id/members/:userId/limits': [
      { method: 'PUT', url: `${org}/members/${b.userId}/limits`, payload: { outletIds: [b.outletId] }, expect: 'denied' },
      { method: 'PUT', url: `${own}/members/${b.userId}/limits`, payload: { outletIds: [] }, expect: 'denied' },
    ],
    'GET /api/v1/prepared-registers': [
      { method: 'GET', url: `/api/v1/prepared-registers?organizationId=${b.organizationId}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/prepared-registers?outletId=${b.outletId}`, expect: 'empty' },
    ],
    'POST /api/v1/prepared-registers': [
      { method: 'POST', url: '/api/v1/prepared-registers', payload: { organizationId: b.organizationId, registers: [{ serialNumber: '777000001', fn: '9999078977700001' }] }, expect: 'denied' },
      {
        method: 'POST',
        url: '/api/v1/prepared-registers',
        payload: { organizationId: a.organizationId, outletId: b.outletId, registers: [{ serialNumber: '777000002', fn: '9999078977700002' }] },
        expect: 'denied',
      },
    ],
    'PATCH /api/v1/prepared-registers/:id': [{ method: 'PATCH', url: `/api/v1/prepared-registers/${bo.preparedId}`, payload: { stage: 'awaiting_registration' }, expect: 'denied' }],
    'POST /api/v1/organizations/:id/register-imports': [{ method: 'POST', url: `${org}/register-imports`, payload: {}, expect: 'denied' }],
    'GET /api/v1/organizations/:id/register-imports': [{ method: 'GET', url: `${org}/register-imports`, expect: 'denied' }],
    'GET /api/v1/organizations/:id/register-imports/:importId': [
      { method: 'GET', url: `${org}/register-imports/${bo.importId}`, expect: 'denied' },
    ],
  };
}
