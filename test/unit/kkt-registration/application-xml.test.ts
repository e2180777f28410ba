// The application's XML: validated against fixtures/fns-kkt/KO_ZVLREGKKT.xsd with xmllint (libxml2-utils, installed by
// .ci/run), its values checked against the input by reading the XML back, and bad input refused with the field named.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applicationInput, type ApplicationInput } from '../../../src/domain/kkt-registration/application.js';
import { applicationXml, fileId } from '../../../src/domain/kkt-registration/application-xml.js';

const XSD = join(import.meta.dirname, '../../../fixtures/fns-kkt/KO_ZVLREGKKT.xsd');
const dir = mkdtempSync(join(tmpdir(), 'zvlregkkt-'));

function xmllint(xml: string): { ok: boolean; output: string } {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  try {
    return { ok: true, output: execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    const err = e as { stderr?: string };
    return { ok: false, output: String(err.stderr ?? e) };
  }
}

const signer = { role: '1', lastName: 'Иванов', firstName: 'Иван', middleName: 'Иванович' };
const kkt = { model: 'АТОЛ 30Ф', serialNumber: '00106107300123' };
const fn = { model: 'ФН-1.2 исполнение Шифровальное (криптографическое) средство защиты фискальных данных версии 1.2', serialNumber: '7380440700123456' };
const place = { taxAuthorityCode: '7704', retailPlaceAddress: '119021, г. Москва, ул. Льва Толстого, д. 16', retailPlace: 'Магазин «Ромашка» & Co', regionCode: '77', postalCode: '119021' };

const registration = {
  kind: 'registration',
  kkt,
  fn,
  signer,
  place,
  ofd: { ofdInn: '7704211201', ofdName: 'ООО «ОФД»' },
  modes: { internetSign: false, markedGoodsSign: true, automaticDeviceSign: true, machineNumber: 'A-17' },
};
const applicant = { inn: '7704211201', name: 'ООО "Ромашка" <тест>', kpp: '770401001' };
const base = { applicant, senderInn: '7704211201', senderKpp: '770401001', fileGuid: '3f1c1f0e-9a57-4d39-8b8e-2f3f0b7a9c11', documentDate: '2026-12-05' };

const parse = (v: unknown): ApplicationInput => applicationInput.parse(v);

describe('application XML against the XSD', () => {
  it('a registration: valid, with the form fields in place and text escaped', () => {
    const xml = applicationXml({ ...base, application: parse(registration) });
    const r = xmllint(xml);
    expect(r.ok, r.output).toBe(true);
    expect(xml).toContain('КНД="1110061"');
    expect(xml).toContain('ВидДок="1"');
    expect(xml).toContain('ДатаДок="05.12.2026"');
    expect(xml).toContain('ЗавНомККТ="00106107300123"');
    expect(xml).toContain('ЗавНомФН="7380440700123456"');
    expect(xml).toContain('ПрМарк="1"');
    expect(xml).toContain('НомАвтомат="A-17"');
    expect(xml).toContain('МестоУст="Магазин «Ромашка» &amp; Co"');
    expect(xml).toContain('НаимОрг="ООО &quot;Ромашка&quot; &lt;тест&gt;"');
    expect(xml).toContain(`ИдФайл="KO_ZVLREGKKT_7704_7704_7704211201770401001_20261205_${base.fileGuid}"`);
  });

  it('a re-registration with reasons, and its last step with the registration report', () => {
    const app = parse({ ...registration, kind: 'reregistration', kktRegId: '0007795807005569', reasons: ['7', '1', '7'] });
    const xml = applicationXml({ ...base, application: app, registrationReport: { dateTime: '2026-12-05T10:15', fiscalDocumentNumber: 1, fiscalSign: '476807588' } });
    const r = xmllint(xml);
    expect(r.ok, r.output).toBe(true);
    expect(xml).toContain('ВидДок="2"');
    expect(xml).toContain('<ПричПеререг КодПрич="1"/><ПричПеререг КодПрич="7"/>');
    expect(xml).toContain('<СвОтчРег ДатаВремя="2026-12-05T10:15" НомФД="1" ФП="476807588"/>');
  });

  it('a deregistration (КНД 1110062) by an entrepreneur with a representative signing', () => {
    const app = parse({ kind: 'deregistration', kkt, fn, kktRegId: '0007795807005569', reason: '2', place: { taxAuthorityCode: '7704' }, signer: { role: '2', lastName: 'Петров', firstName: 'Пётр', powerOfAttorney: 'Доверенность № 5 от 01.12.2026' } });
    const xml = applicationXml({ ...base, applicant: { inn: '500100732259', name: 'ИП Сидоров' }, application: app });
    const r = xmllint(xml);
    expect(r.ok, r.output).toBe(true);
    expect(xml).toContain('КНД="1110062"');
    expect(xml).toContain('<НПФЛ НаимФЛ="ИП Сидоров" ИННФЛ="500100732259"/>');
    expect(xml).toContain('<СвПред НаимДок="Доверенность № 5 от 01.12.2026"/>');
    expect(fileId({ ...base, application: app })).toMatch(/^KO_ZVLSNKKT_7704_7704_/);
  });

  it('the XSD is not a rubber stamp: it refuses a document with a broken FN number', () => {
    const xml = applicationXml({ ...base, application: parse(registration) }).replace('ЗавНомФН="7380440700123456"', 'ЗавНомФН="73804407"');
    expect(xmllint(xml).ok).toBe(false);
  });
});

describe('application validation', () => {
  const issues = (v: unknown) => {
    const r = applicationInput.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };

  it('names the fields at fault', () => {
    expect(issues({ ...registration, fn: { ...fn, serialNumber: '123' } })).toEqual(['fn.serialNumber']);
    expect(issues({ ...registration, modes: { automaticDeviceSign: true } })).toEqual(['modes.machineNumber']);
    expect(issues({ ...registration, modes: { offlineMode: true, internetSign: true } })).toEqual(['modes.offlineMode']);
    expect(issues({ ...registration, ofd: { ofdInn: '7704211202', ofdName: 'x' } })).toEqual(['ofd.ofdInn']);
    expect(issues({ ...registration, kind: 'reregistration', kktRegId: '0007795807005569', reasons: [] })).toEqual(['reasons']);
    expect(issues({ ...registration, kind: 'reregistration', kktRegId: '0007795807005569', reasons: ['9'] })).toEqual(['reasons.0']);
    expect(issues({ ...registration, signer: { ...signer, role: '2' } })).toEqual(['signer.powerOfAttorney']);
    expect(issues({ ...registration, kind: 'closure' })).toEqual(['kind']);
  });
});

describe('re-registration on FN replacement and deregistration: the fiscal documents the FNS asks for', () => {
  const closing = { dateTime: '2026-12-04T21:05:00', fiscalDocumentNumber: 4120, fiscalSign: '3522466391' };
  const changed = { dateTime: '2026-12-05T09:01', fiscalDocumentNumber: 1, fiscalSign: '1109277351' };
  const issues = (v: unknown) => {
    const r = applicationInput.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  const rereg = { ...registration, kind: 'reregistration', kktRegId: '0007795807005569', reasons: ['3'] };
  const dereg = { kind: 'deregistration', kkt, fn, kktRegId: '0007795807005569', place: { taxAuthorityCode: '7704' }, signer };

  it('FN replacement needs the old FN’s closing report and the report on changed details; both are in the XML', () => {
    expect(issues(rereg)).toEqual(['closingReport', 'reregistrationReport']);
    expect(issues({ ...rereg, reasons: ['1'] })).toEqual([]);
    const xml = applicationXml({ ...base, application: parse({ ...rereg, closingReport: closing, reregistrationReport: changed }) });
    const r = xmllint(xml);
    expect(r.ok, r.output).toBe(true);
    expect(xml).toContain('<СвОтчЗакрФН ДатаВремя="2026-12-04T21:05" НомФД="4120" ФП="3522466391"/>');
    expect(xml).toContain('<СвОтчРег ДатаВремя="2026-12-05T09:01" НомФД="1" ФП="1109277351"/>');
  });

  it('deregistration by the user’s decision needs the closing report; theft, loss and a broken FN do not', () => {
    expect(issues({ ...dereg, reason: '1' })).toEqual(['closingReport']);
    for (const reason of ['2', '3', '4']) expect(issues({ ...dereg, reason })).toEqual([]);
    const xml = applicationXml({ ...base, application: parse({ ...dereg, reason: '1', closingReport: closing }) });
    const r = xmllint(xml);
    expect(r.ok, r.output).toBe(true);
    expect(xml).toContain('<СвЗвлСнят РегНомККТ="0007795807005569" КодПрич="1"><СвККТ');
    expect(xml).toContain('<СвОтчЗакрФН ДатаВремя="2026-12-04T21:05" НомФД="4120" ФП="3522466391"/></СвЗвлСнят>');
  });
});
