/**
 * The application as the XML document the FNS receives (file name prefix KO_ZVLREGKKT, КНД 1110061 / 1110062). The
 * schema it is validated against in tests is fixtures/fns-kkt/KO_ZVLREGKKT.xsd — written by this project from the
 * published format description, not the FNS's official XSD (see that file's header). Deterministic: the same
 * application, applicant, date and file id give the same bytes, so the signed document can be rebuilt and compared.
 */
import type { Applicant, ApplicationInput, Modes, RegistrationReport } from './application.js';

/** Our program's name in ВерсПрог. */
export const PROGRAM_VERSION = 'ofd-gateway 0.1';
/**
 * ВерсФорм we write. The version of the official format could not be confirmed here; this is the version of our XSD
 * (fixtures/fns-kkt/KO_ZVLREGKKT.xsd), to be replaced with the official one's.
 */
export const FORMAT_VERSION = '1.00';

export interface ApplicationXmlInput {
  readonly application: ApplicationInput;
  readonly applicant: Applicant;
  /** The operator's INN and КПП: the sender (О in the file name), the ОФД transmitting it. */
  readonly senderInn: string;
  readonly senderKpp: string;
  /** UUID of the file (the last part of ИдФайл). */
  readonly fileGuid: string;
  /** Date of the document, YYYY-MM-DD (Moscow calendar day). */
  readonly documentDate: string;
  /** Filled on the last step, after the FNS assigned the РНМ. */
  readonly registrationReport?: RegistrationReport | undefined;
  /** For a registration: the РНМ the FNS assigned, written with the report on the last step. */
  readonly kktRegId?: string | undefined;
}

/**
 * Attribute text: markup characters escaped; tab, newline and CR as character references (so attribute normalisation
 * keeps them); other control characters, which XML 1.0 cannot carry at all, dropped.
 */
function escapeAttr(v: string): string {
  let out = '';
  for (const c of v) {
    const code = c.charCodeAt(0);
    if (c === '&') out += '&amp;';
    else if (c === '<') out += '&lt;';
    else if (c === '>') out += '&gt;';
    else if (c === '"') out += '&quot;';
    else if (code === 9 || code === 10 || code === 13) out += `&#${code};`;
    else if (code >= 32) out += c;
  }
  return out;
}

/** `<name a="v" …/>` or with children; undefined attributes are left out. */
function el(name: string, attrs: Record<string, string | undefined>, children: string[] = []): string {
  const a = Object.entries(attrs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
  return children.length === 0 ? `<${name}${a}/>` : `<${name}${a}>${children.join('')}</${name}>`;
}

const flag = (b: boolean): string => (b ? '1' : '0');
const ddmmyyyy = (iso: string): string => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

export function knd(kind: ApplicationInput['kind']): '1110061' | '1110062' {
  return kind === 'deregistration' ? '1110062' : '1110061';
}

/** ИдФайл: R_T_A_K_O_GGGGMMDD_N (the tax office twice: no intermediate office; the sender is INN‖КПП). */
export function fileId(x: ApplicationXmlInput): string {
  const prefix = x.application.kind === 'deregistration' ? 'KO_ZVLSNKKT' : 'KO_ZVLREGKKT';
  const code = x.application.place.taxAuthorityCode;
  return `${prefix}_${code}_${code}_${x.senderInn}${x.senderKpp}_${x.documentDate.replaceAll('-', '')}_${x.fileGuid}`;
}

function modesXml(m: Modes): string {
  return el('РежимПрим', {
    ПрАвтоном: flag(m.offlineMode),
    ПрИнтернет: flag(m.internetSign),
    ПрПодакциз: flag(m.exciseGoodsSign),
    ПрМарк: flag(m.markedGoodsSign),
    ПрАзарт: flag(m.gamblingSign),
    ПрЛотер: flag(m.lotterySign),
    ПрАвтомат: flag(m.automaticDeviceSign),
    НомАвтомат: m.automaticDeviceSign ? m.machineNumber : undefined,
    ПрПлатАгент: flag(m.paymentAgentSign),
    ПрБанкПлатАгент: flag(m.bankPaymentAgentSign),
    ПрБСО: flag(m.bsoSign),
    ПрУслуги: flag(m.serviceSign),
    ПрРазвоз: flag(m.deliveryTradeSign),
  });
}

function kktXml(a: ApplicationInput): string {
  return el('СвККТ', { МодельККТ: a.kkt.model, ЗавНомККТ: a.kkt.serialNumber, МодельФН: a.fn.model, ЗавНомФН: a.fn.serialNumber });
}

/** The FN closing report's details (the FNS's format calls the element СведОтчЗакрФН; our XSD, СвОтчЗакрФН). */
function closingXml(r: RegistrationReport | undefined): string[] {
  return r ? [el('СвОтчЗакрФН', { ДатаВремя: r.dateTime.slice(0, 16), НомФД: String(r.fiscalDocumentNumber), ФП: r.fiscalSign })] : [];
}

function contentXml(x: ApplicationXmlInput): string {
  const a = x.application;
  if (a.kind === 'deregistration') return el('СвЗвлСнят', { РегНомККТ: a.kktRegId, КодПрич: a.reason }, [kktXml(a), ...closingXml(a.closingReport)]);
  const reasons = a.kind === 'reregistration' ? [...new Set(a.reasons)].sort().map((r) => el('ПричПеререг', { КодПрич: r })) : [];
  const rnm = a.kind === 'reregistration' ? a.kktRegId : x.kktRegId;
  return el('СвЗвлРег', { РегНомККТ: rnm }, [
    ...reasons,
    kktXml(a),
    el('АдрМестоУст', { КодРегион: a.place.regionCode, Индекс: a.place.postalCode, АдрТекст: a.place.retailPlaceAddress, МестоУст: a.place.retailPlace }),
    ...(a.ofd ? [el('СвОФД', { ИННОФД: a.ofd.ofdInn, НаимОФД: a.ofd.ofdName })] : []),
    modesXml(a.modes),
    ...(a.kind === 'reregistration' ? closingXml(a.closingReport) : []),
  ]);
}

function applicantXml(p: Applicant): string {
  return p.inn.length === 10 ? el('НПЮЛ', { НаимОрг: p.name, ИННЮЛ: p.inn, КПП: p.kpp }) : el('НПФЛ', { НаимФЛ: p.name, ИННФЛ: p.inn });
}

/** ВидДок: 1 registration, 2 re-registration, 3 deregistration (as on the paper form). */
const documentKind = { registration: '1', reregistration: '2', deregistration: '3' } as const;

export function applicationXml(x: ApplicationXmlInput): string {
  const a = x.application;
  const s = a.signer;
  const signer = el('Подписант', { ПрПодп: s.role }, [
    el('ФИО', { Фамилия: s.lastName, Имя: s.firstName, Отчество: s.middleName }),
    ...(s.role === '2' && s.powerOfAttorney ? [el('СвПред', { НаимДок: s.powerOfAttorney })] : []),
  ]);
  // FN replacement: the report on changed details was printed before the application, so it is in it from the start.
  const r = x.registrationReport ?? (a.kind === 'reregistration' ? a.reregistrationReport : undefined);
  const report = r ? [el('СвОтчРег', { ДатаВремя: r.dateTime.slice(0, 16), НомФД: String(r.fiscalDocumentNumber), ФП: r.fiscalSign })] : [];
  const doc = el('Документ', { КНД: knd(a.kind), ДатаДок: ddmmyyyy(x.documentDate), КодНО: a.place.taxAuthorityCode, ВидДок: documentKind[a.kind] }, [
    el('СвНП', {}, [applicantXml(x.applicant)]),
    signer,
    contentXml(x),
    ...report,
  ]);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el('Файл', { ИдФайл: fileId(x), ВерсПрог: PROGRAM_VERSION, ВерсФорм: FORMAT_VERSION }, [doc])}\n`;
}
