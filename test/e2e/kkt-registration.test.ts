// Issue 18 end to end, the whole process as `npm start` runs it (gateway, workers, API) against a real PostgreSQL and
// Redis and the runnable fake FNS KKT service over HTTP: an application prepared through the API, signed by a test CA
// (OpenSSL, GOST when its engine is installed, else RSA) and submitted; the fake FNS answers with an РНМ; a registration
// report for that РНМ goes through the gateway over TCP from an emulated register; the application completes by itself
// and the register is known. A report with another FN is shown as a mismatch; forged, expired and wrong-owner
// signatures are refused with 422.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../protocol/ack.js';
import { decodeContainer } from '../../protocol/container.js';
import { startFakeFnsKkt, type FakeFnsKkt } from '../../src/adapters/fns-kkt/fake-fns-kkt-server.js';
import { loadConfig } from '../../src/config.js';
import { checkRnm } from '../../src/domain/kkt-registration/rnm.js';
import { buildDocumentMessage, fnWire } from '../../src/emulator/document-message.js';
import { DocumentStream } from '../../src/emulator/document-stream.js';
import type { RegisterIdentity } from '../../src/emulator/register-identity.js';
import { start, type Running } from '../../src/main.js';
import { silentLogger } from '../../src/observability/logger.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, MASTER_KEY } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { gostEngineMissing, TestCa, type Issued } from '../support/test-pki.js';
import { EmulatedRegister } from './kkt-registration/world.js';

const ADMIN = 'e2e-admin-token-0123456789';
const INN = '7704211201';
const OGRN = '1027700132195';
const SERIAL = '00106107300777';
const FN = '9999078900077701';

let running: Running;
let database: TestDatabase;
let prefix: string;
let fake: FakeFnsKkt;
let ca: TestCa;
let head: Issued;
let orgId: number;

// The answers are read field by field against the OpenAPI shapes; typing each one here would only repeat them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${running.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const application = (serial: string, fn: string) => ({
  kind: 'registration',
  kkt: { model: 'АТОЛ 30Ф', serialNumber: serial },
  fn: { model: 'ФН-1.2', serialNumber: fn },
  place: { taxAuthorityCode: '7704', retailPlaceAddress: '119021, г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин', regionCode: '77' },
  modes: { internetSign: false },
  signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' },
});

const headSubject = (inn = INN) =>
  [
    ['CN', 'ООО «Ромашка»'],
    ['SN', 'Иванов'],
    ['1.2.643.100.4', inn],
    ['1.2.643.100.1', OGRN],
    ['1.2.643.100.3', '11223344595'],
  ] as const;

/** The registration report an emulated register prints once the РНМ is entered, sent through the gateway over TCP. */
async function sendRegistrationReport(kktRegId: string, serial: string, fn: string): Promise<void> {
  const identity: RegisterIdentity = {
    index: 0,
    fiscalDriveNumber: fn,
    kktRegId,
    kktNumber: serial,
    userInn: INN,
    user: 'OOO Romashka',
    retailPlaceAddress: 'Moscow, Lva Tolstogo 16',
    retailPlace: 'Shop',
    sellerAddress: 'shop@example.com',
    cashiers: ['Ivanov'],
    taxationType: 1,
    appliedTaxationType: 1,
    ffd: '1.05',
  };
  const stream = new DocumentStream(identity, {
    seed: 'kkt-e2e',
    startTime: Math.floor(Date.UTC(2026, 11, 5, 10, 0, 0) / 1000),
    latestTime: undefined,
    maxDocuments: 1,
    markedShare: 0,
    emailShare: 0,
    correctionShare: 0,
    currentStateShare: 0,
    flkErrorRate: 0,
    tamperRate: 0,
    basketPool: 0,
    ofdInn: INN,
    ofdName: 'OFD',
  });
  const doc = stream.next()!;
  expect(doc.formName).toBe('fiscalReport');
  const message = buildDocumentMessage(fnWire(identity, MASTER_KEY), doc);
  const r = await exchange(running.gatewayPort!, message.bytes);
  expect(parseAck(decodeContainer(r.reply.subarray(30))).fiscalDocumentNumber).toBe(1);
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('kkt');
  fake = await startFakeFnsKkt({ decisionDelayMs: 300 });
  ca = new TestCa(gostEngineMissing() === undefined ? 'gost' : 'rsa');
  head = ca.issue('head', headSubject());
  const caFile = join(ca.dir, 'trusted.pem');
  writeFileSync(caFile, ca.root.certPem);
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: '0',
    OFD_ADMIN_TOKEN: ADMIN,
    FNS_KKT_URL: fake.url,
    OFD_SIGNATURE_CA_FILE: caFile,
    OFD_KKT_POLL_MS: '200',
  });
  running = await start(config, silentLogger());
  const org = await api('POST', '/organizations', { inn: INN, ogrn: OGRN, kpp: '770401001' });
  expect(org.status).toBe(201);
  orgId = org.json.id;
  // The owner who gets the e-mails (the notify outbox); made directly: sign-up is not what this test is about.
  const user = await database.pool.query(`insert into users (email, password_hash, status) values ('owner@example.com', 'x', 'active') returning id`);
  await database.pool.query(`insert into memberships (organization_id, user_id, role) values ($1, $2, 'owner')`, [orgId, user.rows[0].id]);
}, 120_000);

afterAll(async () => {
  await running?.close();
  await fake?.close();
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

describe('registering a KKT through the cabinet API', () => {
  it('prepare → sign → submit → РНМ → registration report through the gateway → completed', async () => {
    const draft = await api('POST', `/organizations/${orgId}/kkt-applications`, application(SERIAL, FN));
    expect(draft.status).toBe(201);
    expect(draft.json).toMatchObject({ status: 'draft', kind: 'registration', kktSerialNumber: SERIAL });
    const id: number = draft.json.id;

    const cms = ca.signDetached(head, Buffer.from(draft.json.xml, 'utf8'));
    const signed = await api('POST', `/kkt-applications/${id}/signature`, { signature: cms.toString('base64') });
    expect(signed.status, JSON.stringify(signed.json)).toBe(200);
    expect(signed.json.signer).toMatchObject({ organizationInn: INN, ogrn: OGRN, snils: '11223344595' });

    const assigned = await until('the РНМ', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.status === 'rnm_assigned' ? a.json : undefined;
    });
    expect(checkRnm(assigned.kktRegId, INN, SERIAL)).toEqual({ valid: true });
    expect(fake.applications.get(String(id))?.submission).toMatchObject({ userInn: INN, kktSerialNumber: SERIAL, fnSerialNumber: FN });

    await sendRegistrationReport(assigned.kktRegId, SERIAL, FN);
    const done = await until('completion', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.status === 'completed' ? a.json : undefined;
    });
    expect(done.report).toMatchObject({ fiscalDocumentNumber: 1, fiscalDriveNumber: FN });
    expect(done.history.map((e: { status: string }) => e.status)).toEqual(['draft', 'signed', 'sent', 'accepted', 'rnm_assigned', 'report_received', 'completed']);
    expect(fake.applications.get(String(id))?.report).toMatchObject({ fiscalDocumentNumber: 1 });

    const registers = await api('GET', `/registers?organizationId=${orgId}`);
    expect(registers.status).toBe(200);
    const register = registers.json.items.find((r: { registrationNumber: string }) => r.registrationNumber === assigned.kktRegId);
    expect(register).toMatchObject({ serialNumber: SERIAL, connection: { status: 'connected', currentFn: FN } });

    // The customer is told of every step by e-mail (the notify worker delivers the outbox).
    const events = await database.pool.query(`select threshold from notification_events where kind = 'kkt.application' order by id`);
    expect(events.rows.map((r: { threshold: string }) => r.threshold)).toEqual(['accepted', 'rnm_assigned', 'completed']);
    const mails = await database.pool.query(`select recipient, mail_subject, mail_text from notification_emails order by id`);
    expect(mails.rows.map((m: { recipient: string }) => m.recipient)).toEqual(['owner@example.com', 'owner@example.com', 'owner@example.com']);
    expect(mails.rows[1].mail_subject).toBe(`ККТ ${SERIAL}: присвоен РНМ ${assigned.kktRegId}`);
    expect(mails.rows[2].mail_subject).toBe(`ККТ ${SERIAL} зарегистрирована`);

    for (const name of ['application.xml', 'application.xml.sig', 'fns-answer.json']) {
      const res = await fetch(`http://127.0.0.1:${running.httpPort}/api/v1/kkt-applications/${id}/documents/${name}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status, name).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      if (name === 'application.xml') expect(body.toString('utf8')).toBe(draft.json.xml);
      if (name === 'application.xml.sig') expect(body.equals(cms)).toBe(true);
    }
  }, 60_000);

  it('shows a registration report from another FN as a mismatch with what to do, and does not complete', async () => {
    const serial = '00106107300888';
    const draft = await api('POST', `/organizations/${orgId}/kkt-applications`, application(serial, '9999078900088801'));
    const id: number = draft.json.id;
    expect((await api('POST', `/kkt-applications/${id}/signature`, { signature: ca.signDetached(head, Buffer.from(draft.json.xml, 'utf8')).toString('base64') })).status).toBe(200);
    const assigned = await until('the РНМ', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.status === 'rnm_assigned' ? a.json : undefined;
    });
    await sendRegistrationReport(assigned.kktRegId, serial, '9999078900088899');
    const shown = await until('the mismatch', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.mismatch ? a.json : undefined;
    });
    expect(shown.status).toBe('rnm_assigned');
    expect(shown.mismatch).toMatchObject({ found: { fiscalDriveNumber: '9999078900088899' }, expected: { fiscalDriveNumber: '9999078900088801' } });
    expect(shown.mismatch.advice).toContain('перерегистрации');
  }, 60_000);

  it('refuses forged, expired and wrong-owner signatures with 422 and the reason, and leaves the draft a draft', async () => {
    const draft = await api('POST', `/organizations/${orgId}/kkt-applications`, application('00106107300999', '9999078900099901'));
    const id: number = draft.json.id;
    const xml = Buffer.from(draft.json.xml, 'utf8');
    const forged = await api('POST', `/kkt-applications/${id}/signature`, { signature: ca.signDetached(head, Buffer.from('другой документ')).toString('base64') });
    expect(forged.status).toBe(422);
    expect(forged.json).toMatchObject({ code: 'SIGNATURE_REJECTED', details: [{ path: 'body.signature', issue: 'DIGEST_MISMATCH' }] });
    const expired = ca.issue('expired', headSubject(), { notBefore: new Date(Date.now() - 400 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    expect((await api('POST', `/kkt-applications/${id}/signature`, { signature: ca.signDetached(expired, xml).toString('base64') })).json.details[0].issue).toBe('CERT_EXPIRED');
    const stranger = ca.issue('stranger', headSubject('7707083893'));
    expect((await api('POST', `/kkt-applications/${id}/signature`, { signature: ca.signDetached(stranger, xml).toString('base64') })).json.details[0].issue).toBe('OWNER_MISMATCH');
    expect((await api('GET', `/kkt-applications/${id}`)).json.status).toBe('draft');
    const bad = await api('POST', `/organizations/${orgId}/kkt-applications`, { ...application('x', '123'), kind: 'registration' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('VALIDATION_FAILED');
  }, 60_000);

  it('names the field of an owner or signer mismatch, checks models, asks for the closing report, and prefills from the register', async () => {
    const draft = await api('POST', `/organizations/${orgId}/kkt-applications`, application('00106107300111', '9999078900011101'));
    const xml = Buffer.from(draft.json.xml, 'utf8');
    const stranger = ca.issue('stranger2', headSubject('7707083893'));
    const other = await api('POST', `/kkt-applications/${draft.json.id}/signature`, { signature: ca.signDetached(stranger, xml).toString('base64') });
    expect(other.json.message).toContain('ИНН в сертификате: 7707083893, у организации: 7704211201');
    // Same organization, but the application names Иванов while the certificate is Петров's.
    const petrov = ca.issue('petrov', [['CN', 'ООО «Ромашка»'], ['SN', 'Петров'], ['GN', 'Пётр Петрович'], ['1.2.643.100.4', INN], ['1.2.643.100.1', OGRN]]);
    const named = await api('POST', `/kkt-applications/${draft.json.id}/signature`, { signature: ca.signDetached(petrov, xml).toString('base64') });
    expect(named.status).toBe(422);
    expect(named.json.details[0]).toMatchObject({ path: 'body.signature', issue: 'SIGNER_NAME_MISMATCH' });
    expect(named.json.message).toContain('в сертификате: Петров Пётр Петрович');

    const marked = { ...application('00106107300112', '9999078900011201'), fn: { model: '«ФН-1.1» исполнение 5-15-2', serialNumber: '9999078900011201' }, modes: { markedGoodsSign: true } };
    const refused = await api('POST', `/organizations/${orgId}/kkt-applications`, marked);
    expect(refused.status).toBe(400);
    expect(refused.json.details).toEqual([expect.objectContaining({ path: 'body.fn.model', issue: 'FN_FFD_UNSUPPORTED' })]);
    const unknown = await api('POST', `/organizations/${orgId}/kkt-applications`, { ...application('00106107300113', '9999078900011301'), kkt: { model: 'Касса Мечты 3000', serialNumber: '00106107300113' } });
    expect(unknown.status).toBe(201);
    expect(unknown.json.warnings).toEqual([expect.objectContaining({ path: 'body.kkt.model', issue: 'MODEL_UNKNOWN' })]);

    const registers = await api('GET', `/registers?organizationId=${orgId}`);
    const rnm: string = registers.json.items.find((r: { serialNumber: string }) => r.serialNumber === SERIAL).registrationNumber;
    const dereg = { kind: 'deregistration', kkt: { model: 'АТОЛ 30Ф', serialNumber: SERIAL }, fn: { model: 'ФН-1.2', serialNumber: FN }, kktRegId: rnm, reason: '1', place: { taxAuthorityCode: '7704' }, signer: { role: '1', lastName: 'Иванов', firstName: 'Иван' } };
    const noClosing = await api('POST', `/organizations/${orgId}/kkt-applications`, dereg);
    expect(noClosing.status).toBe(400);
    expect(noClosing.json.details[0].path).toBe('body.closingReport');

    const prefill = await api('GET', `/organizations/${orgId}/kkt-applications/prefill?kktRegId=${rnm}`);
    expect(prefill.status).toBe(200);
    expect(prefill.json.application).toMatchObject({
      kktRegId: rnm,
      kkt: { model: 'АТОЛ 30Ф', serialNumber: SERIAL },
      fn: { model: 'ФН-1.2', serialNumber: FN },
      // Address and place as the register printed them in its registration report, the tax office from the application.
      place: { taxAuthorityCode: '7704', regionCode: '77', retailPlaceAddress: 'Moscow, Lva Tolstogo 16', retailPlace: 'Shop' },
      signer: { lastName: 'Иванов', firstName: 'Иван' },
    });
    expect(prefill.json.closingReport).toBeNull();
    expect((await api('GET', `/organizations/${orgId}/kkt-applications/prefill?kktRegId=0000000000000000`)).status).toBe(404);
  }, 60_000);

  it('re-registers on an address change: accepted, then the report on changed details (form 11) completes it', async () => {
    const registers = await api('GET', `/registers?organizationId=${orgId}`);
    const rnm: string = registers.json.items.find((r: { serialNumber: string }) => r.serialNumber === SERIAL).registrationNumber;
    const moved = {
      ...application(SERIAL, FN),
      kind: 'reregistration',
      kktRegId: rnm,
      reasons: ['1'],
      place: { taxAuthorityCode: '7704', retailPlaceAddress: '125009, г. Москва, ул. Тверская, д. 1', retailPlace: 'Магазин', regionCode: '77' },
    };
    const draft = await api('POST', `/organizations/${orgId}/kkt-applications`, moved);
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    expect(draft.json.xml).toContain('<ПричПеререг КодПрич="1"/>');
    const id: number = draft.json.id;
    expect((await api('POST', `/kkt-applications/${id}/signature`, { signature: ca.signDetached(head, Buffer.from(draft.json.xml, 'utf8')).toString('base64') })).status).toBe(200);
    const accepted = await until('the FNS accepting it', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.status === 'rnm_assigned' ? a.json : undefined;
    });
    expect(accepted.kktRegId).toBe(rnm);
    expect(accepted.history.at(-1).message).toContain('ждём отчёт об изменении параметров регистрации');

    await new EmulatedRegister(running.gatewayPort!, SERIAL).send(11, rnm, FN, 2, 600);
    const done = await until('completion', async () => {
      const a = await api('GET', `/kkt-applications/${id}`);
      return a.json.status === 'completed' ? a.json : undefined;
    });
    expect(done.report).toMatchObject({ fiscalDocumentNumber: 2, fiscalDriveNumber: FN });
    expect(done.history.at(-1).message).toContain('перерегистрация завершена');
    expect(fake.applications.get(String(id))?.report).toMatchObject({ fiscalDocumentNumber: 2 });
  }, 60_000);
});
