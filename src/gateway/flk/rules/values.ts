/** Values in their range and width: enumerations and fixed-width fields. Sources and policy: rules.ts. */
import { tagDef } from '../../../../protocol/tags/index.js';
import { FlkCodes } from '../codes.js';
import { integer, isObject, itemPath, itemsOf, occurrences } from '../fields.js';
import { ALL_FFD, FISCAL_FORMS, SETTLEMENT_FORMS, type Finding, type FlkDocument, type FlkRule } from '../types.js';
import { push, show } from './finding.js';

// ---- FLK_ENUM -----------------------------------------------------------------------------------------------------
// TSV notes: 1054 1..4; 1055 bits 1 ОСН, 2 УСН доход, 4 УСН д-р, 8 ЕНВД, 16 ЕСХН, 32 ПСН — one system per receipt, so
// exactly one bit; 1062 (registration) the same bits, any non-empty combination; 1173 0..1; 1214 1..7. 1199: 1..6 in
// the TSV, 7..10 (5 %, 7 %, 5/105, 7/107, 2025) and 11..12 (22 %, 22/122, 2026) as public integrations encode them —
// accepted, since refusing a newer rate would flag valid receipts (A). 1212: 1..27 and 30..33 (R enums); 28/29 are
// tolerated rather than guessed at (A). Zero-length values (null) are skipped.

const TAXATION_BITS = 0x3f;

function outOfRange(v: unknown, min: number, max: number): boolean {
  const n = integer(v);
  return n !== undefined && (n < min || n > max);
}

function checkEnums(doc: FlkDocument): Finding[] | undefined {
  let out: Finding[] | undefined;
  if (outOfRange(doc.operationType, 1, 4)) out = push(out, { field: 'operationType', message: `1054 = ${show(doc.operationType)}, expected 1..4` });
  const applied = integer(doc.appliedTaxationType);
  if (applied !== undefined && (applied <= 0 || (applied & (applied - 1)) !== 0 || (applied & ~TAXATION_BITS) !== 0)) {
    out = push(out, { field: 'appliedTaxationType', message: `1055 = ${applied}, expected exactly one of the bits 1, 2, 4, 8, 16, 32` });
  }
  const systems = integer(doc.taxationType);
  if (systems !== undefined && (systems <= 0 || (systems & ~TAXATION_BITS) !== 0)) {
    out = push(out, { field: 'taxationType', message: `1062 = ${systems}, expected a non-empty set of the bits 1, 2, 4, 8, 16, 32` });
  }
  if (outOfRange(doc.correctionType, 0, 1)) out = push(out, { field: 'correctionType', message: `1173 = ${show(doc.correctionType)}, expected 0 or 1` });
  const items = itemsOf(doc);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) continue;
    if (outOfRange(item.nds, 1, 12)) out = push(out, { field: itemPath(i, 'nds'), message: `1199 = ${show(item.nds)}, expected 1..12` });
    if (outOfRange(item.productType, 1, 33)) out = push(out, { field: itemPath(i, 'productType'), message: `1212 = ${show(item.productType)}, expected 1..33` });
    if (outOfRange(item.paymentType, 1, 7)) out = push(out, { field: itemPath(i, 'paymentType'), message: `1214 = ${show(item.paymentType)}, expected 1..7` });
  }
  return out;
}

// ---- FLK_FIELD_LENGTH ---------------------------------------------------------------------------------------------
// TSV `fixed` string tags: the decoder enforces only the maximum length, not the exact width. Their places (TSV
// parents): 1243 in 1256; 1263 in 1260 (items) / 1261; 1301–1303, 1307, 1309 in 1163 (items); 2115 in items. 1041 has
// its own rule (FLK_FN_NUMBER); 1308 egais2 is left out — its width is disputed (TSV: 23 vs 33). Zero-length values
// are skipped.

export const FIXED_WIDTH_CHECKED = {
  buyerBirthday: 1243,
  foundationDocDateTime: 1263,
  ean8: 1301,
  ean13: 1302,
  itf14: 1303,
  mi: 1307,
  egais3: 1309,
  controlCode: 2115,
} as const;

const PRODUCT_CODE_FIELDS = ['ean8', 'ean13', 'itf14', 'mi', 'egais3'] as const;

function fixedWidth(tag: number): number {
  return tagDef(tag)?.maxLength ?? 0;
}

const WIDTH = {
  buyerBirthday: fixedWidth(FIXED_WIDTH_CHECKED.buyerBirthday),
  foundationDocDateTime: fixedWidth(FIXED_WIDTH_CHECKED.foundationDocDateTime),
  controlCode: fixedWidth(FIXED_WIDTH_CHECKED.controlCode),
  ean8: fixedWidth(FIXED_WIDTH_CHECKED.ean8),
  ean13: fixedWidth(FIXED_WIDTH_CHECKED.ean13),
  itf14: fixedWidth(FIXED_WIDTH_CHECKED.itf14),
  mi: fixedWidth(FIXED_WIDTH_CHECKED.mi),
  egais3: fixedWidth(FIXED_WIDTH_CHECKED.egais3),
} as const;

function widthFinding(out: Finding[] | undefined, v: unknown, width: number, tag: number, field: string): Finding[] | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length === width) return out;
  return push(out, { field, message: `${tag} has ${v.length} characters, its fixed width is ${width}` });
}

function industryDetailWidths(out: Finding[] | undefined, v: unknown, path: string): Finding[] | undefined {
  const list = occurrences(v);
  for (let j = 0; j < list.length; j++) {
    const d = list[j];
    if (isObject(d)) out = widthFinding(out, d.foundationDocDateTime, WIDTH.foundationDocDateTime, 1263, `${path}[${j}].foundationDocDateTime`);
  }
  return out;
}

function checkFieldLengths(doc: FlkDocument): Finding[] | undefined {
  let out: Finding[] | undefined;
  const buyer = doc.buyerInformation;
  if (isObject(buyer)) out = widthFinding(out, buyer.buyerBirthday, WIDTH.buyerBirthday, 1243, 'buyerInformation.buyerBirthday');
  if (doc.industryReceiptDetails !== undefined) out = industryDetailWidths(out, doc.industryReceiptDetails, 'industryReceiptDetails');
  const items = itemsOf(doc);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) continue;
    if (item.controlCode !== undefined) out = widthFinding(out, item.controlCode, WIDTH.controlCode, 2115, itemPath(i, 'controlCode'));
    if (item.itemsIndustryDetails !== undefined) out = industryDetailWidths(out, item.itemsIndustryDetails, itemPath(i, 'itemsIndustryDetails'));
    const code = item.productCodeNew;
    if (isObject(code)) {
      for (const name of PRODUCT_CODE_FIELDS) {
        if (code[name] !== undefined) out = widthFinding(out, code[name], WIDTH[name], FIXED_WIDTH_CHECKED[name], itemPath(i, `productCodeNew.${name}`));
      }
    }
  }
  return out;
}

export const ENUM_RULE: FlkRule = {
  code: FlkCodes.FLK_ENUM,
  forms: FISCAL_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Значение реквизита вне перечня ФФД (1054, 1055, 1062, 1173, 1199, 1212, 1214)',
    en: 'A field holds a value outside its FFD enumeration (1054, 1055, 1062, 1173, 1199, 1212, 1214)',
  },
  check: checkEnums,
};

export const FIELD_LENGTH_RULE: FlkRule = {
  code: FlkCodes.FLK_FIELD_LENGTH,
  forms: SETTLEMENT_FORMS,
  ffd: ALL_FFD,
  description: {
    ru: 'Длина реквизита фиксированной длины не равна установленной (1243, 1263, 1301–1303, 1307, 1309, 2115)',
    en: 'A fixed-width field has another length (1243, 1263, 1301–1303, 1307, 1309, 2115)',
  },
  check: checkFieldLengths,
};
