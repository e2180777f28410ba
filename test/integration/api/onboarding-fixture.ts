// Onboarding (issue 16) in tests: the requisites of a valid organization, xlsx files of registers, registration reports
// of prepared registers, and what a tenant has of the onboarding resources (for the cross-tenant cases).
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { XLSX_CONTENT_TYPE } from '../../../src/reports/export.js';
import { ascii, LOCAL_TIME, u32, u8 } from '../../support/kkt.js';
import { bearer, job, type ApiHarness } from './api-test-helpers.js';
import type { Tenant } from './tenant-fixture.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';

/** ОГРН with its check digit: (the first 12 digits mod 11) mod 10, computed here independently of the code under test. */
export function ogrnFor(body12: string): string {
  return body12 + String((BigInt(body12) % 11n) % 10n);
}

/** A valid registration body for a legal entity with this INN body (9 digits). */
export function organizationBody(innBody9: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    inn: withInnCheckDigits(innBody9),
    name: `ООО «Ромашка ${innBody9}»`,
    kpp: '773601001',
    ogrn: ogrnFor(`1027700${innBody9.slice(-5)}`),
    headName: 'Иванов Иван Иванович',
    headTitle: 'Генеральный директор',
    edoOperator: 'diadoc',
    legalAddress: '123456, г. Москва, ул. Тверская, д. 1',
    postalAddress: '123456, г. Москва, ул. Тверская, д. 1',
    vatPayer: true,
    taxSystems: ['osn'],
    ...extra,
  };
}

export async function xlsxOf(rows: ReadonlyArray<ReadonlyArray<string | number | null>>, header = true): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Кассы');
  if (header) ws.addRow(['Заводской номер ККТ', 'Номер ФН', 'Код партнёра']);
  for (const r of rows) ws.addRow([...r]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function uploadRegisters(h: ApiHarness, token: string, organizationId: number, file: Buffer, query = ''): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: 'POST',
    url: `/api/v1/organizations/${organizationId}/register-imports${query}`,
    headers: { ...bearer(token), 'content-type': XLSX_CONTENT_TYPE },
    payload: file,
  });
}

export interface RegistrationSpec {
  fn: string;
  fd?: number;
  inn: string;
  regId: string;
  serial: string;
  kktVersion?: string;
  address?: string;
  place?: string;
}

/** A registration report (form 1) as the register sends it after its registration in the FNS. */
export function registrationJob(s: RegistrationSpec): DocumentJob {
  return job(s.fn, s.fd ?? 1, 1, registrationChildren(s));
}

/** The TLVs of a registration report (form 1). */
export function registrationChildren(s: RegistrationSpec): Buffer[] {
  const fd = s.fd ?? 1;
  return [
    ascii(1048, `OOO ${s.inn}`),
    ascii(1018, s.inn.padEnd(12, ' ')),
    u32(1012, LOCAL_TIME - 86_400),
    ascii(1037, s.regId.padEnd(20, ' ')),
    ascii(1013, s.serial),
    ascii(1017, '7704211201  '),
    ascii(1188, s.kktVersion ?? '3.5.30'),
    ascii(1009, s.address ?? 'Moscow, Tverskaya 1'),
    ascii(1187, s.place ?? 'Shop 1'),
    u8(1062, 1),
    u32(1040, fd),
    ascii(1041, s.fn),
    u8(1209, 2),
  ];
}

export interface TenantOnboarding {
  preparedId: number;
  importId: number;
  invitationId: number;
  /** A pending claim on the tenant's organization by a third user. */
  claimId: number;
}

async function ok(r: LightMyRequestResponse, status: number, what: string): Promise<LightMyRequestResponse> {
  if (r.statusCode !== status) throw new Error(`${what} ${r.statusCode}: ${r.body}`);
  return r;
}

/** Onboarding resources of a seeded tenant: a prepared register, an import report, an invitation, a claim on it. */
export async function seedOnboarding(h: ApiHarness, t: Tenant, n: number, claimantToken: string): Promise<TenantOnboarding> {
  const serial = `55500000${n}`.padEnd(12, '0');
  const prepared = await ok(
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/prepared-registers',
      headers: bearer(t.userToken),
      payload: { organizationId: t.organizationId, outletId: t.outletId, registers: [{ serialNumber: serial, fn: `99990789555${String(n).padStart(5, '0')}` }] },
    }),
    201,
    'prepared register',
  );
  const file = await xlsxOf([[`66600000${n}`.padEnd(12, '0'), `99990789666${String(n).padStart(5, '0')}`, null]]);
  const imported = await ok(await uploadRegisters(h, t.userToken, t.organizationId, file), 201, 'import');
  const invitation = await ok(
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${t.organizationId}/invitations`,
      headers: bearer(t.userToken),
      payload: { email: `invitee-${n}@example.test`, role: 'viewer', outletIds: [t.outletId] },
    }),
    201,
    'invitation',
  );
  const claim = await ok(
    await h.app.inject({ method: 'POST', url: '/api/v1/inn-claims', headers: bearer(claimantToken), payload: { inn: t.inn } }),
    201,
    'claim',
  );
  return {
    preparedId: prepared.json<{ added: Array<{ id: number }> }>().added[0]!.id,
    importId: imported.json<{ id: number }>().id,
    invitationId: invitation.json<{ id: number }>().id,
    claimId: claim.json<{ id: number }>().id,
  };
}
