/**
 * The ФЛК rule table. One row per rule code: where it applies (forms × FFD versions), what it means (ru / en), and a pure
 * check. Each check names its source: protocol.md section (§), the tag dictionary (TSV), the FFD tables (FFD), or our own
 * reasoning (A).
 *
 * Policy: a finding acks a real register's document with 1022 = 14 and raises its ФЛК flag (§3.4). Where the FFD leaves
 * room — rounding, optional tags, values added by later amendments — the rules give the register the benefit of the
 * doubt. A value of an unexpected JSON type is skipped, never reported and never thrown on.
 */
import { formatUnixtime } from '../../../protocol/values.js';
import { tagDef } from '../../../protocol/tags/index.js';
import { isValidInn } from '../../domain/inn.js';
import { FlkCodes } from './codes.js';
import {
  DOCUMENT_LEVEL_105_MARKERS,
  DOCUMENT_LEVEL_12_ONLY,
  FFD_SLOTS,
  ffdSlot,
  ITEM_LEVEL_105_MARKERS,
  ITEM_LEVEL_12_ONLY,
  UNKNOWN_FFD_SLOT,
  type VersionedTag,
} from './ffd-version.js';
import { decimal, integer, isDigits, isObject, itemPath, itemsOf, kopecks, occurrences, type JsonObject } from './fields.js';
import { REQUIRED_FIELDS, type RequiredField } from './required-fields.js';
import {
  ALL_FFD,
  FFD_105_PLUS,
  FISCAL_FORMS,
  SETTLEMENT_FORMS,
  type FfdVersion,
  type Finding,
  type FlkDocument,
  type FlkRule,
  type RuleContext,
} from './types.js';

/** A value for a message: never throws (bigint, nested objects, cycles). */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function push(out: Finding[] | undefined, finding: Finding): Finding[] {
  if (out === undefined) return [finding];
  out.push(finding);
  return out;
}

// ---- FLK_FFD_VERSION ----------------------------------------------------------------------------------------------
// §1.1 and TSV 1209: the version comes from 1209 (1 = 1.0 … 4 = 1.2); 1209 is a 1.05+ tag present in every 1.05+
// document. TSV ffd_versions: tags marked "1.2" did not exist before FFD 1.2.
// Not checked (A): tags the TSV marks "1.0 only" or "1.05/1.1" inside newer documents — the TSV notes that some of those
// numbers are being reused by 2025 amendments (1115, 1119, 1120), and a register carrying 1197 next to 2108 is harmless.

function presentTag(obj: JsonObject, tags: readonly VersionedTag[]): VersionedTag | undefined {
  for (const t of tags) if (obj[t.field] !== undefined) return t;
  return undefined;
}

function firstVersionMarker(doc: FlkDocument): VersionedTag | undefined {
  const found = presentTag(doc, DOCUMENT_LEVEL_105_MARKERS) ?? presentTag(doc, DOCUMENT_LEVEL_12_ONLY);
  if (found) return found;
  for (const item of itemsOf(doc)) {
    if (!isObject(item)) continue;
    const inItem = presentTag(item, ITEM_LEVEL_105_MARKERS) ?? presentTag(item, ITEM_LEVEL_12_ONLY);
    if (inItem) return inItem;
  }
  return undefined;
}

function checkFfdVersion(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const declared = doc.fiscalDocumentFormatVer;
  if (ctx.ffd === undefined) {
    return [{ field: 'fiscalDocumentFormatVer', message: `1209 = ${show(declared)} is no FFD version (1 = 1.0, 2 = 1.05, 3 = 1.1, 4 = 1.2)` }];
  }
  let out: Finding[] | undefined;
  if (declared === undefined || declared === null) {
    const marker = firstVersionMarker(doc);
    if (marker) {
      out = push(out, { field: 'fiscalDocumentFormatVer', message: `1209 is missing, but the document carries ${marker.tag} ${marker.field}, which FFD 1.0 does not have` });
    }
  }
  if (ctx.ffd !== '1.2') {
    for (const t of DOCUMENT_LEVEL_12_ONLY) {
      if (doc[t.field] !== undefined) out = push(out, { field: t.field, message: `${t.tag} exists only in FFD 1.2; the document is FFD ${ctx.ffd}` });
    }
    const items = itemsOf(doc);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!isObject(item)) continue;
      for (const t of ITEM_LEVEL_12_ONLY) {
        if (item[t.field] !== undefined) out = push(out, { field: itemPath(i, t.field), message: `${t.tag} exists only in FFD 1.2; the document is FFD ${ctx.ffd}` });
      }
    }
  }
  return out;
}

// ---- FLK_MISSING_FIELD --------------------------------------------------------------------------------------------
// required-fields.ts (TSV parents / versions, FFD tables). Present = the key exists; a zero-length value (null / "")
// counts as present (§5: zero-length values occur for every type) and is left to the value rules.

/** The highest fiscal form code (§4). */
const MAX_FORM = 41;

interface Requirements {
  readonly document: readonly RequiredField[];
  readonly item: readonly RequiredField[];
}

const NO_REQUIREMENTS: Requirements = { document: [], item: [] };

/** requirementsBy[form][ffd slot], built once. */
const requirementsBy: Requirements[][] = [];
for (let form = 0; form <= MAX_FORM; form++) {
  const row: Requirements[] = [];
  for (let slot = 0; slot < FFD_SLOTS; slot++) {
    const applies = REQUIRED_FIELDS.filter(
      (r) => r.forms.includes(form) && (slot === UNKNOWN_FFD_SLOT ? r.ffd.length === ALL_FFD.length : r.ffd.includes(ALL_FFD[slot]!)),
    );
    row.push({ document: applies.filter((r) => r.level === 'document'), item: applies.filter((r) => r.level === 'item') });
  }
  requirementsBy.push(row);
}

export function requirementsFor(form: number, ffd: FfdVersion | undefined): Requirements {
  return requirementsBy[form]?.[ffdSlot(ffd)] ?? NO_REQUIREMENTS;
}

function checkMissingFields(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const req = requirementsFor(ctx.form, ctx.ffd);
  let out: Finding[] | undefined;
  for (const r of req.document) {
    const v = doc[r.field];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) out = push(out, { field: r.field, message: `${r.tag} ${r.field} is mandatory here` });
  }
  if (req.item.length > 0) {
    const items = itemsOf(doc);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!isObject(item)) continue;
      for (const r of req.item) {
        if (item[r.field] !== undefined) continue;
        if (r.exemptPaymentTypes !== undefined) {
          const paymentType = integer(item.paymentType);
          if (paymentType !== undefined && r.exemptPaymentTypes.includes(paymentType)) continue;
        }
        out = push(out, { field: itemPath(i, r.field), message: `${r.tag} ${r.field} is mandatory in every item here` });
      }
    }
  }
  return out;
}

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

// ---- FLK_DATE -----------------------------------------------------------------------------------------------------
// 54-FZ online registers start in July 2016: nothing fiscal predates 2016-07-01. 1012 is local wall time written as if
// UTC (§5); Russian offsets are +2…+12 h, so local time may read up to 12 h ahead of the UTC receive instant: allow one
// day plus 12 h (A). Both bounds compare as text: the decoder's "YYYY-MM-DDTHH:mm:ss" sorts chronologically.

const EARLIEST_DATE_TIME = '2016-07-01T00:00:00';
const MAX_AHEAD_SECONDS = 24 * 3600 + 12 * 3600;

const DASH = 0x2d;
const COLON = 0x3a;
const LETTER_T = 0x54;

function looksLikeDateTime(s: string): boolean {
  return (
    s.length === 19 &&
    s.charCodeAt(4) === DASH &&
    s.charCodeAt(7) === DASH &&
    s.charCodeAt(10) === LETTER_T &&
    s.charCodeAt(13) === COLON &&
    s.charCodeAt(16) === COLON
  );
}

/**
 * The latest accepted 1012 for a receive second. Documents arrive many per second, so the text of the last bound is
 * kept: a pure function of its argument, memoised, not state that changes an outcome.
 */
let boundSecond = Number.NaN;
let boundText = '';
function latestDateTime(receivedSecond: number): string {
  if (receivedSecond !== boundSecond) {
    boundText = formatUnixtime(receivedSecond + MAX_AHEAD_SECONDS);
    boundSecond = receivedSecond;
  }
  return boundText;
}

function checkDate(doc: FlkDocument, ctx: RuleContext): Finding[] | undefined {
  const v = doc.dateTime;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !looksLikeDateTime(v)) return [{ field: 'dateTime', message: `1012 = ${show(v)} is not a date-time` }];
  if (v < EARLIEST_DATE_TIME) return [{ field: 'dateTime', message: `1012 = ${v} is before ${EARLIEST_DATE_TIME}` }];
  const receivedMs = ctx.receivedAt.getTime();
  if (Number.isFinite(receivedMs) && v > latestDateTime(Math.floor(receivedMs / 1000))) {
    return [{ field: 'dateTime', message: `1012 = ${v} is more than a day after the document was received` }];
  }
  return undefined;
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

// ---- FLK_TOTAL_MISMATCH -------------------------------------------------------------------------------------------
// FFD receipt tables: 1020 (ИТОГ) is paid by cash 1031, electronic 1081 and, from 1.05, prepayment 1215, credit 1216,
// counter-provision 1217 — the five add up to 1020 exactly. Absent payment tags count as 0; with none present there is
// nothing to compare (A).

const PAYMENT_FIELDS = ['cashTotalSum', 'ecashTotalSum', 'prepaidSum', 'creditSum', 'provisionSum'] as const;

function checkTotal(doc: FlkDocument): Finding[] | undefined {
  const total = kopecks(doc.totalSum);
  if (total === undefined) return undefined;
  let paid = 0;
  let seen = false;
  for (const name of PAYMENT_FIELDS) {
    const v = doc[name];
    if (v === undefined) continue;
    const k = kopecks(v);
    if (k === undefined) return undefined;
    paid += k;
    seen = true;
  }
  if (!seen || paid === total) return undefined;
  return [{ field: 'totalSum', message: `payments 1031 + 1081 + 1215 + 1216 + 1217 = ${paid}, 1020 totalSum = ${total}` }];
}

// ---- FLK_ITEM_SUM / FLK_ITEM_QUANTITY -----------------------------------------------------------------------------
// TSV 1043 / 1079: both "with discounts and markups", so 1043 = 1079 × 1023. 1079 is whole kopecks: when a discount is
// spread over a line, the unit price is a rounded quotient and price × quantity drifts by up to half a kopeck per unit.
// Tolerance (A), against the exact product: ±1 kopeck on the rounded product (1.5), or the rounded unit price's drift
// (quantity / 2) plus one kopeck for registers that truncate rather than round — whichever is larger. FFD 1.0 items with modifiers (1112 discount / markup) are skipped: there the
// price may be the undiscounted one. FFD 1.2 fractional marked goods (1291 numerator / denominator): the sum may be
// price × fraction (× quantity) — any of those readings passes. 1023 = 0 is no sale at all.

/** Kopecks: ½ for rounding 1043, plus the ±1 every item is allowed. */
const ITEM_SUM_SLACK = 1.5;
/** Kopecks added to the unit-price drift (quantity / 2). */
const UNIT_PRICE_SLACK = 1;

function itemSumProblem(item: JsonObject): string | undefined {
  if (item.modifiers !== undefined) return undefined;
  const sum = kopecks(item.sum);
  const price = kopecks(item.price);
  const quantity = decimal(item.quantity);
  if (sum === undefined || price === undefined || quantity === undefined || quantity === 0) return undefined;
  const tolerance = Math.max(ITEM_SUM_SLACK, quantity / 2 + UNIT_PRICE_SLACK);
  const expected = price * quantity;
  if (Math.abs(sum - expected) <= tolerance) return undefined;
  const fraction = item.labeledProdFractionalQuantity;
  if (isObject(fraction)) {
    const numerator = kopecks(fraction.numerator);
    const denominator = kopecks(fraction.denominator);
    if (numerator !== undefined && denominator !== undefined && denominator > 0) {
      const part = numerator / denominator;
      if (Math.abs(sum - price * part) <= tolerance || Math.abs(sum - expected * part) <= tolerance) return undefined;
    }
  }
  return `1043 sum = ${sum}, 1079 price ${price} × 1023 quantity ${quantity} = ${+expected.toFixed(3)} (tolerance ${+tolerance.toFixed(3)} kopecks)`;
}

function checkItemSums(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  let out: Finding[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) continue;
    const problem = itemSumProblem(item);
    if (problem !== undefined) out = push(out, { field: itemPath(i, 'sum'), message: problem });
  }
  return out;
}

function checkItemQuantities(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  let out: Finding[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isObject(item) && decimal(item.quantity) === 0) out = push(out, { field: itemPath(i, 'quantity'), message: '1023 quantity is 0' });
  }
  return out;
}

// ---- FLK_ITEMS_TOTAL ----------------------------------------------------------------------------------------------
// FFD 1.05+: there is no receipt-level discount tag, so ИТОГ 1020 is the sum of the item sums 1043, exactly. Not
// applied to FFD 1.0 (receipt discounts and 1071 storno lines there — A). Skipped when any item sum is unreadable.

function checkItemsTotal(doc: FlkDocument): Finding[] | undefined {
  const total = kopecks(doc.totalSum);
  const items = itemsOf(doc);
  if (total === undefined || items.length === 0) return undefined;
  let sum = 0;
  for (const item of items) {
    const k = isObject(item) ? kopecks(item.sum) : undefined;
    if (k === undefined) return undefined;
    sum += k;
  }
  if (sum === total) return undefined;
  return [{ field: 'totalSum', message: `Σ items 1043 = ${sum}, 1020 totalSum = ${total}` }];
}

// ---- FLK_VAT_SUM --------------------------------------------------------------------------------------------------
// TSV 1102–1107 and 1199 (1 = 20 %, 2 = 10 %, 3 = 20/120, 4 = 10/110, 5 = 0 %, 6 = no VAT); prices include VAT, so the
// VAT of a sum s at rate r % is s × r / (100 + r). Receipt totals: 1102 = VAT of the rate-1 items, 1103 rate 2, 1106
// rate 3, 1107 rate 4; 1104 = Σ sums at rate 5, 1105 = Σ sums at rate 6 (exact). Tolerance for VAT amounts (A): one
// kopeck per item at that rate plus one — registers round per item or per total. Code 1/3 meant 18 % before 2019 and
// 22 % from 2026: any of 18, 20, 22 passes. Checked only when every item has a rate and a sum; absent totals are not
// required (they are conditional). Rates 7+ (2025–2026 amendments) have no total tag here.

const FULL_RATES = [18 / 118, 20 / 120, 22 / 122] as const;
const TEN_RATES = [10 / 110] as const;

interface RateTotals {
  count: number;
  sum: number;
}

function vatFinding(out: Finding[] | undefined, doc: FlkDocument, field: string, tag: number, at: RateTotals, rates: readonly number[], code: number): Finding[] | undefined {
  const declared = doc[field];
  if (declared === undefined) return out;
  const vat = kopecks(declared);
  if (vat === undefined) return out;
  const tolerance = at.count + 1;
  for (const r of rates) if (Math.abs(vat - at.sum * r) <= tolerance) return out;
  const expected = Math.round(at.sum * rates[rates.length > 1 ? 1 : 0]!);
  return push(out, { field, message: `${tag} ${field} = ${vat}; items at rate ${code}: Σ 1043 = ${at.sum}, VAT ≈ ${expected}` });
}

function exactFinding(out: Finding[] | undefined, doc: FlkDocument, field: string, tag: number, at: RateTotals, code: number): Finding[] | undefined {
  const declared = doc[field];
  if (declared === undefined) return out;
  const v = kopecks(declared);
  if (v === undefined || v === at.sum) return out;
  return push(out, { field, message: `${tag} ${field} = ${v}; Σ 1043 of the items at rate ${code} = ${at.sum}` });
}

function checkVat(doc: FlkDocument): Finding[] | undefined {
  const items = itemsOf(doc);
  if (items.length === 0) return undefined;
  const byRate: RateTotals[] = [];
  for (let code = 0; code <= 6; code++) byRate.push({ count: 0, sum: 0 });
  for (const item of items) {
    if (!isObject(item)) return undefined;
    const rate = integer(item.nds);
    const sum = kopecks(item.sum);
    if (rate === undefined || sum === undefined) return undefined;
    const at = byRate[rate];
    if (at !== undefined && rate > 0) {
      at.count++;
      at.sum += sum;
    }
  }
  let out = vatFinding(undefined, doc, 'nds18', 1102, byRate[1]!, FULL_RATES, 1);
  out = vatFinding(out, doc, 'nds10', 1103, byRate[2]!, TEN_RATES, 2);
  out = vatFinding(out, doc, 'nds18118', 1106, byRate[3]!, FULL_RATES, 3);
  out = vatFinding(out, doc, 'nds10110', 1107, byRate[4]!, TEN_RATES, 4);
  out = exactFinding(out, doc, 'nds0', 1104, byRate[5]!, 5);
  out = exactFinding(out, doc, 'ndsNo', 1105, byRate[6]!, 6);
  return out;
}

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

// ---- the table ----------------------------------------------------------------------------------------------------

export const RULES: readonly FlkRule[] = [
  {
    code: FlkCodes.FLK_FFD_VERSION,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Номер версии ФФД (1209): неизвестное значение, отсутствует при реквизитах ФФД 1.05+, или реквизиты только ФФД 1.2 в документе более ранней версии',
      en: 'FFD version (1209): unknown value, missing while FFD 1.05+ tags are present, or FFD 1.2-only tags in an older document',
    },
    check: checkFfdVersion,
  },
  {
    code: FlkCodes.FLK_MISSING_FIELD,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Отсутствует обязательный для формы и версии ФФД реквизит',
      en: 'A field mandatory for this form and FFD version is missing',
    },
    check: checkMissingFields,
  },
  {
    code: FlkCodes.FLK_FN_NUMBER,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Номер ФН (1041) не из 16 цифр или не совпадает с номером ФН контейнера',
      en: 'FN number (1041) is not 16 digits or differs from the container FN',
    },
    check: checkFiscalDriveNumber,
  },
  {
    code: FlkCodes.FLK_FD_NUMBER,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Номер ФД (1040) не совпадает с номером ФД контейнера',
      en: 'FD number (1040) differs from the container FD',
    },
    check: checkFiscalDocumentNumber,
  },
  {
    code: FlkCodes.FLK_DATE,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Дата, время (1012) раньше 01.07.2016 или более чем на сутки позже приёма документа',
      en: 'Date-time (1012) before 2016-07-01 or more than a day after the document was received',
    },
    check: checkDate,
  },
  {
    code: FlkCodes.FLK_INN,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'ИНН (1018, 1017, 1203, 1226, 1228) не из 10 или 12 цифр или с неверными контрольными цифрами',
      en: 'INN (1018, 1017, 1203, 1226, 1228) is not 10 or 12 digits or fails its check digits',
    },
    check: checkInns,
  },
  {
    code: FlkCodes.FLK_KKT_REG_ID,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Регистрационный номер ККТ (1037) не из 16 цифр',
      en: 'KKT registration number (1037) is not 16 digits',
    },
    check: checkKktRegId,
  },
  {
    code: FlkCodes.FLK_TOTAL_MISMATCH,
    forms: SETTLEMENT_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Сумма оплат (1031 + 1081 + 1215 + 1216 + 1217) не равна итогу (1020)',
      en: 'Payments (1031 + 1081 + 1215 + 1216 + 1217) do not add up to the total (1020)',
    },
    check: checkTotal,
  },
  {
    code: FlkCodes.FLK_ITEM_SUM,
    forms: SETTLEMENT_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Стоимость предмета расчёта (1043) не равна цене (1079) × количество (1023) с точностью до округления',
      en: 'Item sum (1043) is not price (1079) × quantity (1023) within rounding',
    },
    check: checkItemSums,
  },
  {
    code: FlkCodes.FLK_ITEM_QUANTITY,
    forms: SETTLEMENT_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Количество предмета расчёта (1023) равно нулю',
      en: 'Item quantity (1023) is zero',
    },
    check: checkItemQuantities,
  },
  {
    code: FlkCodes.FLK_ITEMS_TOTAL,
    forms: SETTLEMENT_FORMS,
    ffd: FFD_105_PLUS,
    description: {
      ru: 'Сумма стоимостей предметов расчёта (1043) не равна итогу (1020)',
      en: 'The item sums (1043) do not add up to the total (1020)',
    },
    check: checkItemsTotal,
  },
  {
    code: FlkCodes.FLK_VAT_SUM,
    forms: SETTLEMENT_FORMS,
    ffd: FFD_105_PLUS,
    description: {
      ru: 'Суммы НДС чека (1102–1107) не соответствуют ставкам (1199) и стоимостям (1043) предметов расчёта',
      en: 'Receipt VAT totals (1102–1107) do not follow from the items’ rates (1199) and sums (1043)',
    },
    check: checkVat,
  },
  {
    code: FlkCodes.FLK_ENUM,
    forms: FISCAL_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Значение реквизита вне перечня ФФД (1054, 1055, 1062, 1173, 1199, 1212, 1214)',
      en: 'A field holds a value outside its FFD enumeration (1054, 1055, 1062, 1173, 1199, 1212, 1214)',
    },
    check: checkEnums,
  },
  {
    code: FlkCodes.FLK_FIELD_LENGTH,
    forms: SETTLEMENT_FORMS,
    ffd: ALL_FFD,
    description: {
      ru: 'Длина реквизита фиксированной длины не равна установленной (1243, 1263, 1301–1303, 1307, 1309, 2115)',
      en: 'A fixed-width field has another length (1243, 1263, 1301–1303, 1307, 1309, 2115)',
    },
    check: checkFieldLengths,
  },
];
