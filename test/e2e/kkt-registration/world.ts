// The world of the KKT registration journey in the browser (issue 18): the whole process as `npm start` runs it (gateway,
// worker and api roles, real PostgreSQL and Redis), the built cabinet, a real SMTP sink, `ofd fake-fns-kkt` run as its
// own process over HTTP, a test CA made with the openssl CLI (GOST when its engine is installed, else RSA), and a
// stand-in for the CryptoPro CAdES browser plug-in injected into the page: it offers the test certificates and signs by
// calling back into the test, which makes the detached CMS with openssl — so the cabinet's real plug-in adapter
// (src/cabinet/lib/signer.ts) is what runs in the browser. An emulated register sends its fiscal documents over TCP.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { inject } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { encodeDocumentFields, type FieldObject } from '../../../protocol/document-json.js';
import { formatUnixtime } from '../../../protocol/values.js';
import { loadConfig } from '../../../src/config.js';
import { buildDocumentMessage, fnWire } from '../../../src/emulator/document-message.js';
import { DocumentStream, type GeneratedDocument } from '../../../src/emulator/document-stream.js';
import type { RegisterIdentity } from '../../../src/emulator/register-identity.js';
import { start, type Running } from '../../../src/main.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { ADMIN_TOKEN, startSmtpSink, type SmtpSink } from '../../integration/api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../../integration/queue/queue-test-helpers.js';
import { exchange, MASTER_KEY } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { freePort } from '../../support/redis-process.js';
import { gostEngineMissing, TestCa, type Issued } from '../../support/test-pki.js';
import { ensureCabinetBuilt } from '../cabinet/world.js';
import { launchChromium } from '../support/browser.js';

export const INN = '7704211201';
export const OGRN = '1027700132195';
export const EMAIL = 'head@romashka.test';
export const PASSWORD = 'Kassa-2026!';

export interface KktWorld {
  base: string;
  running: Running;
  smtp: SmtpSink;
  database: TestDatabase;
  browser: Browser;
  /** The fake FNS KKT service's URL (a child process). */
  fnsUrl: string;
  organizationId: number;
  ca: TestCa;
  /** The head of the organization (its ИНН, ОГРН, СНИЛС) and someone else's certificate. */
  head: Issued;
  stranger: Issued;
  operator<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>;
  /** Changes the fake FNS while it runs (POST /_control). */
  controlFns(c: { refuseSerials?: string[]; decisionDelayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

const subject = (inn: string, cn: string, snils: string) =>
  [
    ['CN', cn],
    ['SN', 'Иванов'],
    ['GN', 'Иван Иванович'],
    ['1.2.643.100.4', inn],
    ['1.2.643.100.1', OGRN],
    ['1.2.643.100.3', snils],
  ] as const;

async function startFakeFnsKktProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', 'fake-fns-kkt', '--port', '0', '--decision-delay-ms', '1500'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { fakeFnsKkt: string }).fakeFnsKkt);
    });
    child.once('exit', (code) => reject(new Error(`ofd fake-fns-kkt exited ${code}`)));
    setTimeout(() => reject(new Error('ofd fake-fns-kkt printed nothing')), 30_000);
  });
  return { url, child };
}

async function signUp(base: string, smtp: SmtpSink): Promise<void> {
  const post = (path: string, body: unknown) => fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const signup = await post('/auth/signup', { email: EMAIL, password: PASSWORD, fullName: 'Иван Иванов', phone: '+79161234567', acceptOffer: true });
  if (signup.status !== 201) throw new Error(`signup ${signup.status}: ${await signup.text()}`);
  const mail = await smtp.next(EMAIL, 15_000);
  const token = /confirm-email\?token=([\w-]+)/.exec(mail.text ?? '')?.[1];
  if (!token) throw new Error('no confirmation link');
  const confirm = await post('/auth/confirm', { token });
  if (confirm.status !== 200) throw new Error(`confirm ${confirm.status}`);
}

export async function startKktWorld(): Promise<KktWorld> {
  ensureCabinetBuilt();
  const database = await createTestDatabase({ migrate: false });
  const prefix = uniquePrefix('e2e-kkt');
  const smtp = await startSmtpSink();
  const fns = await startFakeFnsKktProcess();
  const ca = new TestCa(gostEngineMissing() === undefined ? 'gost' : 'rsa');
  const head = ca.issue('head', subject(INN, 'ООО «Ромашка»', '11223344595'));
  const stranger = ca.issue('stranger', subject('7707083893', 'ПАО «Чужая»', '08765430300'));
  const caFile = join(ca.dir, 'trusted.pem');
  writeFileSync(caFile, ca.root.certPem);
  const httpPort = await freePort();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    OFD_QUEUE_PREFIX: prefix,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: '0',
    OFD_MARKING_PORT: '0',
    OFD_HTTP_PORT: String(httpPort),
    OFD_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    OFD_AUTH_REQUESTS_PER_MINUTE: '1000',
    OFD_ADMIN_TOKEN: ADMIN_TOKEN,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    FNS_KKT_URL: fns.url,
    OFD_SIGNATURE_CA_FILE: caFile,
    OFD_KKT_POLL_MS: '300',
  });
  const running = await start(config, silentLogger());
  const base = `http://127.0.0.1:${running.httpPort}`;
  const operator = async <T>(method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: (r.status === 204 ? {} : await r.json()) as T };
  };
  const org = await operator<{ id: number }>('POST', '/api/v1/organizations', { inn: INN, name: 'ООО «Ромашка»', ogrn: OGRN, kpp: '770401001' });
  if (org.status !== 201) throw new Error(`organization ${org.status}`);
  await signUp(base, smtp);
  const member = await operator('POST', `/api/v1/organizations/${org.json.id}/members`, { email: EMAIL, role: 'owner' });
  if (member.status !== 200) throw new Error(`member ${member.status}: ${JSON.stringify(member.json)}`);
  const browser = await launchChromium();
  return {
    base,
    running,
    smtp,
    database,
    browser,
    fnsUrl: fns.url,
    organizationId: org.json.id,
    ca,
    head,
    stranger,
    operator,
    async controlFns(c) {
      const r = await fetch(`${fns.url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) });
      if (r.status !== 200) throw new Error(`fake FNS control ${r.status}`);
    },
    async close() {
      await browser.close().catch(() => {});
      await running.close();
      fns.child.kill('SIGTERM');
      await smtp.close();
      await database.drop();
      await deleteKeysWithPrefix(inject('redisUrl'), prefix);
    },
  };
}

/**
 * A browser context whose page has a CryptoPro CAdES plug-in stand-in (the plug-in's asynchronous object API, as
 * lib/signer.ts drives it) with the given certificates; signing calls back into the test, which signs with openssl.
 */
export async function contextWithSigner(world: KktWorld, certs: { cert: Issued; subject: string }[], viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  // Reduced motion as every journey's tab has it (test/e2e/support/browser.ts says why).
  const context = await world.browser.newContext({ viewport, locale: 'ru-RU', baseURL: world.base, reducedMotion: 'reduce' });
  const byThumbprint = new Map(certs.map((c, i) => [`T${i}${c.cert.serial}`, c.cert]));
  await context.exposeBinding('__testSign', (_source, thumbprint: string, contentBase64: string) => {
    const cert = byThumbprint.get(thumbprint);
    if (!cert) throw new Error(`no certificate ${thumbprint}`);
    return world.ca.signDetached(cert, Buffer.from(contentBase64, 'base64')).toString('base64');
  });
  const list = certs.map((c, i) => ({ thumbprint: `T${i}${c.cert.serial}`, subject: c.subject }));
  await context.addInitScript((certificates: { thumbprint: string; subject: string }[]) => {
    const w = globalThis as unknown as Record<string, unknown> & { __testSign(t: string, b64: string): Promise<string> };
    const certObjects = certificates.map((c) => ({
      Thumbprint: Promise.resolve(c.thumbprint),
      SubjectName: Promise.resolve(c.subject),
      IssuerName: Promise.resolve('CN=Тестовый УЦ'),
      ValidToDate: Promise.resolve('31.12.2030'),
    }));
    const objects: Record<string, () => Record<string, unknown>> = {
      'CAdESCOM.Store': () => ({
        Open: () => Promise.resolve(),
        Close: () => Promise.resolve(),
        Certificates: Promise.resolve({ Count: Promise.resolve(certObjects.length), Item: (i: number) => Promise.resolve(certObjects[i - 1]) }),
      }),
      'CAdESCOM.CPSigner': () => {
        const s: Record<string, unknown> = { AuthenticatedAttributes2: Promise.resolve({ Add: () => Promise.resolve() }) };
        s.propset_Certificate = (c: unknown) => Promise.resolve(void (s.cert = c));
        s.propset_Options = () => Promise.resolve();
        return s;
      },
      'CAdESCOM.CPAttribute': () => ({ propset_Name: () => Promise.resolve(), propset_Value: () => Promise.resolve() }),
      'CAdESCOM.CadesSignedData': () => {
        const d: Record<string, unknown> = {};
        d.propset_ContentEncoding = () => Promise.resolve();
        d.propset_Content = (b64: string) => Promise.resolve(void (d.content = b64));
        d.SignCades = async (signer: { cert: { Thumbprint: Promise<string> } }) => w.__testSign(await signer.cert.Thumbprint, d.content as string);
        return d;
      },
    };
    const plugin = Object.assign(Promise.resolve(), { CreateObjectAsync: (name: string) => Promise.resolve(objects[name]!()) });
    w.cadesplugin = plugin;
  }, list);
  return context;
}

/** A register at the customer's: it sends its fiscal documents through the gateway over TCP, each acknowledged. */
export class EmulatedRegister {
  private readonly template: FieldObject;
  constructor(
    private readonly gatewayPort: number,
    readonly serial: string,
  ) {
    const stream = new DocumentStream(this.identity('0000000000000000', '9999078900000000'), {
      seed: 'kkt-browser',
      startTime: Math.floor(Date.now() / 1000),
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
    this.template = stream.next()!.fields();
  }

  private identity(kktRegId: string, fn: string): RegisterIdentity {
    return {
      index: 0,
      fiscalDriveNumber: fn,
      kktRegId,
      kktNumber: this.serial,
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
  }

  /** Sends form `form` (1 registration, 11 changed details, 6 FN closing) from `fn`; returns its printed ФП. */
  async send(form: 1 | 6 | 11, kktRegId: string, fn: string, fd: number, secondsAgo: number): Promise<number> {
    const stamp = { dateTime: formatUnixtime(Math.floor(Date.now() / 1000) - secondsAgo), fiscalDocumentNumber: fd, fiscalDriveNumber: fn, kktRegId };
    const fields: FieldObject =
      form === 6
        ? { code: 6, user: 'OOO Romashka', userInn: INN, ...stamp, retailPlaceAddress: 'Moscow, Lva Tolstogo 16', operator: 'Ivanov', fiscalDocumentFormatVer: 2 }
        : { ...this.template, code: form, ...stamp, kktNumber: this.serial };
    const doc: GeneratedDocument = {
      form,
      formName: 'fiscalReport',
      fiscalDocumentNumber: fd,
      totals: undefined,
      flkFault: false,
      tamperFault: false,
      fields: () => fields,
      encode: () => encodeDocumentFields(form, fields),
    };
    const message = buildDocumentMessage(fnWire(this.identity(kktRegId, fn), MASTER_KEY), doc);
    const r = await exchange(this.gatewayPort, message.bytes);
    const ack = parseAck(decodeContainer(r.reply.subarray(30)));
    if (ack.fiscalDocumentNumber !== fd) throw new Error(`register: FD ${fd} not acknowledged`);
    return message.fiscalSign.readUInt32BE(message.fiscalSign.length - 4);
  }
}
