/**
 * Who the document names: FN and FD numbers against the container, INNs, the KKT registration number. Sources and
 * policy: rules.ts.
 */
import { isValidInn } from '../../../domain/inn.js';
import { FlkCodes } from '../codes.js';
import { integer, isDigits, isObject, itemPath, itemsOf } from '../fields.js';
import { ALL_FFD, FISCAL_FORMS, type Finding, type FlkDocument, type FlkRule, type RuleContext } from '../types.js';
import { push, show } from './finding.js';

// ---- FLK_FN_NUMBER / FLK_FD_NUMBER --------------------------------------------------------------------------------
// TSV 1041: 16 ASCII digits, fixed width. §2.1: the container header carries the same FN and FD numbers; the FN builds
// both, so a difference means the document is not what the container says it is.

const FN_DIGITS = 16;

function checkFiscalDriveNumber(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const v = doc.fiscalDriveNumber;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length !== FN_DIGITS || !isDigits(v)) {
    return [{ field: 'fiscalDriveNumber', message: `1041 = ${show(v)} is not ${FN_DIGITS} digits` }];
  }
  if (v !== ctx.fiscalDriveNumber) {
    return [{ field: 'fiscalDriveNumber', message: `1041 = ${v}, the container's FN is ${ctx.fiscalDriveNumber}` }];
  }
  return undefined;
}

function checkFiscalDocumentNumber(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const v = integer(doc.fiscalDocumentNumber);
  if (v === undefined || v === ctx.fiscalDocumentNumber) return undefined;
  return [{ field: 'fiscalDocumentNumber', message: `1040 = ${v}, the container's FD is ${ctx.fiscalDocumentNumber}` }];
}

// ---- FLK_INN ------------------------------------------------------------------------------------------------------
// TSV 1017/1018/1203/1226/1228: string 12, right-padded with spaces (the decoder trims). INN = 10 digits (organisation)
// or 12 (individual) with check digits (src/domain/inn.ts). TSV notes: some registers left-pad a 10-digit INN with "00"
// (accepted when the last 10 digits are valid); 1226 is "000000000000" for a supplier without a Russian INN (accepted
// as all zeros, also in the other optional INNs). Empty optional INNs are zero-length values, skipped.

function isAllZeros(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 48) return false;
  return true;
}

function innProblem(raw: string, allowZeros: boolean): string | undefined {
  const inn = raw.trim();
  // All zeros passes the check-digit arithmetic; only an optional INN may use it as "none".
  if (isAllZeros(inn)) return allowZeros && (inn.length === 10 || inn.length === 12) ? undefined : `${show(raw)} is all zeros`;
  if (isValidInn(inn)) return undefined;
  if (inn.length === 12 && inn.startsWith('00') && isValidInn(inn.slice(2))) return undefined;
  if (!isDigits(inn) || (inn.length !== 10 && inn.length !== 12)) return `${show(raw)} is not 10 or 12 digits`;
  return `${inn} fails its check digits`;
}

function innFinding(out: Finding[] | undefined, v: unknown, field: string, tag: number, mandatory: boolean): Finding[] | undefined {
  if (v === undefined || v === null) return out;
  if (typeof v !== 'string') return push(out, { field, message: `${tag} = ${show(v)} is not an INN` });
  if (v === '' && !mandatory) return out;
  const problem = innProblem(v, !mandatory);
  return problem === undefined ? out : push(out, { field, message: `${tag}: ${problem}` });
}

function checkInns(doc: FlkDocument): Finding[] | undefined {
  let out = innFinding(undefined, doc.userInn, 'userInn', 1018, true);
  out = innFinding(out, doc.ofdInn, 'ofdInn', 1017, false);
  out = innFinding(out, doc.operatorInn, 'operatorInn', 1203, false);
  out = innFinding(out, doc.buyerInn, 'buyerInn', 1228, false);
  const buyer = doc.buyerInformation;
  if (isObject(buyer)) out = innFinding(out, buyer.buyerInn, 'buyerInformation.buyerInn', 1228, false);
  const items = itemsOf(doc);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isObject(item) && item.providerInn !== undefined) out = innFinding(out, item.providerInn, itemPath(i, 'providerInn'), 1226, false);
  }
  return out;
}

// ---- FLK_KKT_REG_ID -----------------------------------------------------------------------------------------------
// TSV 1037: 16 digits + 4 spaces of padding; the FNS assigns 16-digit registration numbers.

const KKT_REG_ID_DIGITS = 16;

function checkKktRegId(doc: FlkDocument): Finding[] | undefined {
  const v = doc.kktRegId;
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v.trim() : '';
  if (s.length === KKT_REG_ID_DIGITS && isDigits(s)) return undefined;
  return [{ field: 'kktRegId', message: `1037 = ${show(v)} is not ${KKT_REG_ID_DIGITS} digits` }];
}

export const FN_NUMBER_RULE: FlkRule = {
  code: FlkCodes.FLK_FN_NUMBER,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Номер ФН (1041) не из 16 цифр или не совпадает с номером ФН контейнера',
    en: 'FN number (1041) is not 16 digits or differs from the container FN',
  },
  check: checkFiscalDriveNumber,
};

export const FD_NUMBER_RULE: FlkRule = {
  code: FlkCodes.FLK_FD_NUMBER,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Номер ФД (1040) не совпадает с номером ФД контейнера',
    en: 'FD number (1040) differs from the container FD',
  },
  check: checkFiscalDocumentNumber,
};

export const INN_RULE: FlkRule = {
  code: FlkCodes.FLK_INN,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'ИНН (1018, 1017, 1203, 1226, 1228) не из 10 или 12 цифр или с неверными контрольными цифрами',
    en: 'INN (1018, 1017, 1203, 1226, 1228) is not 10 or 12 digits or fails its check digits',
  },
  check: checkInns,
};

export const KKT_REG_ID_RULE: FlkRule = {
  code: FlkCodes.FLK_KKT_REG_ID,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Регистрационный номер ККТ (1037) не из 16 цифр',
    en: 'KKT registration number (1037) is not 16 digits',
  },
  check: checkKktRegId,
};
