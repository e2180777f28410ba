/**
 * Valid FNS JSON documents (§9) for every form and FFD version, written by hand from the FFD definitions, and the round
 * trip through the wire format the gateway sees: JSON → encodeDocument → TLV → decodeDocument → fields → checkDocument.
 *
 * Numbers are chosen so each sum can be checked by hand:
 *   item 0: Bread  45.50 × 2      = 91.00   (nds 1, 20 %: VAT 9100 × 20/120 = 1516.67 → 1517)
 *   item 1: Cheese 599.90 × 0.25  = 149.975 → 149.98 (nds 2, 10 %: VAT 14998 × 10/110 = 1363.45 → 1363)
 *   total 240.98 = cash 100.00 + electronic 140.98
 */
import { decodeDocument, encodeDocument } from '../../../../protocol/document-json.js';
import { formName } from '../../../../protocol/tags/index.js';
import { checkDocument } from '../../../../src/gateway/flk/check-document.js';
import type { FfdVersion, FlkContext, FlkResult } from '../../../../src/gateway/flk/types.js';

export type Json = Record<string, unknown>;

export const FN = '9999078900000042';
export const FD = 17;
export const RECEIVED_AT = new Date('2024-09-17T15:01:24Z');
export const DATE_TIME = '2024-09-17T18:01:00';

export const INN_ORG = '7704211201';
export const INN_ORG_2 = '7825706086';
export const INN_PERSON = '500100732259';
export const INN_PERSON_2 = '272210689013';

export const FFD_CODE: Readonly<Record<FfdVersion, number>> = { '1.0': 1, '1.05': 2, '1.1': 3, '1.2': 4 };
export const VERSIONS: readonly FfdVersion[] = ['1.0', '1.05', '1.1', '1.2'];

function common(ffd: FfdVersion, code: number): Json {
  return {
    code,
    user: 'ООО "Тест"',
    userInn: INN_ORG,
    dateTime: DATE_TIME,
    kktRegId: '0000000001000001',
    fiscalDriveNumber: FN,
    fiscalDocumentNumber: FD,
    fiscalSign: 1168453787,
    // 1.0 documents carry no 1209 (a 1.05+ tag): the version is read as 1.0.
    ...(ffd === '1.0' ? {} : { fiscalDocumentFormatVer: FFD_CODE[ffd] }),
  };
}

function items(ffd: FfdVersion): Json[] {
  const bread: Json = { name: 'Хлеб', price: 4550, quantity: 2, sum: 9100 };
  const cheese: Json = { name: 'Сыр', price: 59990, quantity: 0.25, sum: 14998 };
  if (ffd === '1.0') return [bread, cheese];
  const v105 = (it: Json, nds: number): Json => ({ ...it, nds, paymentType: 4, productType: 1 });
  if (ffd !== '1.2') return [v105(bread, 1), v105(cheese, 2)];
  return [
    { ...v105(bread, 1), itemsQuantityMeasure: 0 },
    { ...v105(cheese, 2), itemsQuantityMeasure: 11 },
  ];
}

/** A receipt (3) or БСО (4) with two items; correction forms 31/41 via `correction()`. */
export function receipt(ffd: FfdVersion, form: 3 | 4 = 3): Json {
  return {
    ...common(ffd, form),
    operator: 'Иванов И.И.',
    requestNumber: 5,
    shiftNumber: 3,
    operationType: 1,
    appliedTaxationType: 1,
    retailPlaceAddress: 'Москва, Тверская 1',
    items: items(ffd),
    totalSum: 24098,
    cashTotalSum: 10000,
    ecashTotalSum: 14098,
    ...(ffd === '1.0'
      ? {}
      : { operatorInn: INN_PERSON, prepaidSum: 0, creditSum: 0, provisionSum: 0, nds18: 1517, nds10: 1363, retailPlace: 'Магазин 1' }),
  };
}

/** A correction receipt (31) or БСО correction (41): FFD 1.05/1.1 without items, FFD 1.2 with them. */
export function correction(ffd: FfdVersion, form: 31 | 41 = 31): Json {
  const base: Json = {
    ...common(ffd, form),
    operationType: 1,
    totalSum: 24098,
    cashTotalSum: 24098,
    ecashTotalSum: 0,
  };
  if (ffd === '1.0') return base;
  const v105: Json = {
    ...base,
    requestNumber: 6,
    shiftNumber: 3,
    appliedTaxationType: 1,
    operatorInn: INN_PERSON,
    prepaidSum: 0,
    creditSum: 0,
    provisionSum: 0,
    correctionType: 0,
    // 1174: written with the Latin alias the encoder accepts; the decoder gives back the TSV's Cyrillic-"с" name.
    correctionBase: { correctionDocumentDate: '2024-09-16T00:00:00', ...(ffd === '1.2' ? {} : { correctionName: 'Чек не пробит' }) },
  };
  return ffd === '1.2' ? { ...v105, items: items(ffd), nds18: 1517, nds10: 1363 } : v105;
}

export function registration(ffd: FfdVersion, form: 1 | 11 = 1): Json {
  return {
    ...common(ffd, form),
    taxationType: 1 | 2,
    retailPlaceAddress: 'Москва, Тверская 1',
    ofdInn: INN_ORG_2,
    ofdName: 'ОФД',
    autoMode: 0,
    offlineMode: 0,
    encryptionSign: 0,
    kktNumber: '0620000001',
    fnsUrl: 'www.nalog.gov.ru',
    ...(ffd === '1.0' ? {} : { operatorInn: INN_PERSON, kktVersion: '3.0', documentKktVersion: FFD_CODE[ffd], documentFdVersion: FFD_CODE[ffd] }),
    ...(ffd === '1.2' ? { usageConditionSigns: 0 } : {}),
    ...(form === 11 ? (ffd === '1.0' ? { correctionReasonCode: 3 } : { correctionKktReasonCode: 4 }) : {}),
  };
}

export function openShift(ffd: FfdVersion): Json {
  return { ...common(ffd, 2), operator: 'Иванов И.И.', shiftNumber: 3 };
}

export function closeShift(ffd: FfdVersion): Json {
  return { ...common(ffd, 5), operator: 'Иванов И.И.', shiftNumber: 3, receiptsQuantity: 12, documentsQuantity: 14, notTransmittedDocumentsQuantity: 0 };
}

export function currentStateReport(ffd: FfdVersion): Json {
  return { ...common(ffd, 21), shiftNumber: 3, notTransmittedDocumentsQuantity: 2, notTransmittedDocumentNumber: 15, notTransmittedDocumentsDateTime: '2024-09-17T10:00:00' };
}

export function closeArchive(ffd: FfdVersion): Json {
  return { ...common(ffd, 6), shiftNumber: 3, notTransmittedDocumentsQuantity: 0 };
}

/** Every form of the ФЛК with a valid document builder. */
export const BUILDERS: ReadonlyArray<{ form: number; build: (ffd: FfdVersion) => Json }> = [
  { form: 1, build: (v) => registration(v, 1) },
  { form: 11, build: (v) => registration(v, 11) },
  { form: 2, build: openShift },
  { form: 21, build: currentStateReport },
  { form: 3, build: (v) => receipt(v, 3) },
  { form: 31, build: (v) => correction(v, 31) },
  { form: 4, build: (v) => receipt(v, 4) },
  { form: 41, build: (v) => correction(v, 41) },
  { form: 5, build: closeShift },
  { form: 6, build: closeArchive },
];

/** JSON → the document TLV a register would send. */
export function toTlv(fields: Json): Buffer {
  const form = fields.code as number;
  return encodeDocument({ [formName(form)!]: fields });
}

/** JSON → TLV → the decoder's JSON: what the ФЛК sees on the gateway. */
export function throughWire(fields: Json): Json {
  const decoded = decodeDocument(toTlv(fields));
  return decoded.json[decoded.formName]!;
}

export function ctxFor(fields: Json, overrides: Partial<FlkContext> = {}): FlkContext {
  return { form: fields.code as number, fiscalDriveNumber: FN, fiscalDocumentNumber: FD, receivedAt: RECEIVED_AT, ...overrides };
}

/** Round trip, then ФЛК. */
export function check(fields: Json, overrides: Partial<FlkContext> = {}): FlkResult {
  return checkDocument(throughWire(fields), ctxFor(fields, overrides));
}

/** `[code, field]` of every failure: what the tests compare. */
export function codesAndFields(result: FlkResult): Array<[string, string | undefined]> {
  return result.failures.map((f) => [f.code, f.field]);
}

export function itemsOf(doc: Json): Json[] {
  return doc.items as Json[];
}
