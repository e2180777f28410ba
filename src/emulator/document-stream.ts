/**
 * One register's life as a stream of fiscal documents, generated on demand:
 *   fiscalReport (FD 1) → openShift → receipts (with an occasional correction receipt and current-state report)
 *   → closeShift → next day's openShift → …
 * FD numbers run 1, 2, 3 … without gaps. Document time is simulated (the register's local wall clock, §5) from
 * `startTime`, independent of how fast the network lets the register send, so `(seed, startTime)` fixes every byte.
 * With a document budget the stream ends on a closed shift whenever the budget allows it.
 *
 * Receipts are the hot path. A receipt is three parts (document-pieces.ts): the register's constant head (encoded
 * once per cashier), the per-document stamp (time, FD, request and shift numbers), and a basket (items, payments, VAT).
 * After its first `basketPool` clean receipts a register reuses those baskets at random instead of drawing new ones —
 * a shop's customers buy the same things — except for receipts with marking codes (a code is sold once) and fault
 * receipts, which are always fresh. `basketPool: 0` makes every basket fresh.
 */
import { encodeDocumentFields, type FieldObject } from '../../protocol/document-json.js';
import { formatUnixtime } from '../../protocol/values.js';
import { BUYER_CONTACTS } from './catalogue.js';
import { DRIVE_STATE, FNS_URL, itemFields, paymentFields } from './document-fields.js';
import { assembleDocument, encodePart, type EncodedPart } from './document-pieces.js';
import { Prng, WeightedChoice } from '../domain/prng.js';
import { FFD_FORMAT_VERSION, type RegisterIdentity } from './register-identity.js';
import { makeBasket, makeSettlement, type SettlementTotals } from './settlement.js';
import { SumCounters } from './sum-counters.js';

export const FORM = {
  fiscalReport: 1,
  openShift: 2,
  receipt: 3,
  closeShift: 5,
  currentStateReport: 21,
  receiptCorrection: 31,
} as const;
export type FormName = keyof typeof FORM;

export interface GeneratedDocument {
  readonly form: number;
  readonly formName: FormName;
  readonly fiscalDocumentNumber: number;
  /** Receipts and correction receipts: the money the counters add up. */
  readonly totals: SettlementTotals | undefined;
  /** Payments made not to add up to the total (`flkErrorRate`). */
  readonly flkFault: boolean;
  /** The first send carries a wrong 1077 (`tamperRate`). */
  readonly tamperFault: boolean;
  /** FNS JSON fields in wire order, `code` first, no `fiscalSign`. Built on demand; nested objects may be shared: do not mutate. */
  fields(): FieldObject;
  /** The document TLV without 1077, as protocol/document-json encodes `fields()`. */
  encode(): Buffer;
}

export interface StreamOptions {
  seed: string;
  /** Local wall-clock seconds (§5) of the registration report. */
  startTime: number;
  /** The simulated clock never passes this (local seconds); undefined = no cap. Keeps long runs out of the future. */
  latestTime: number | undefined;
  /** Documents in the stream (Infinity = endless). */
  maxDocuments: number;
  /** Share of FFD 1.2 receipts carrying marking codes. */
  markedShare: number;
  /** Share of receipts with a buyer e-mail / phone (1008). */
  emailShare: number;
  /** Share of settlement slots that are correction receipts (form 31). */
  correctionShare: number;
  /** Chance per shift of one current-state report (form 21). */
  currentStateShare: number;
  /** Share of receipts whose payments do not add up to the total. */
  flkErrorRate: number;
  /** Share of documents whose first send carries a wrong 1077. */
  tamperRate: number;
  /** Clean baskets a register keeps for reuse (0 = every basket fresh). */
  basketPool: number;
  ofdInn: string;
  ofdName: string;
}

const MIN_RECEIPTS_PER_SHIFT = 15;
/** A shift is at least its opening, its receipts and its closing; the next one opens the following morning. */
export const MIN_DOCUMENTS_PER_DAY = MIN_RECEIPTS_PER_SHIFT + 2;
const MAX_RECEIPTS_PER_SHIFT = 150;
const MAX_LINES = 30;
const DAY = 86400;
const PICK_OPERATION = new WeightedChoice([
  [1, 95],
  [2, 4],
  [3, 1],
] as const);

interface Basket {
  totals: SettlementTotals;
  part: EncodedPart;
}

/** A document encoded from its whole field object. */
function wholeDocument(base: Omit<GeneratedDocument, 'fields' | 'encode'>, fields: FieldObject): GeneratedDocument {
  return { ...base, fields: () => fields, encode: () => encodeDocumentFields(base.form, fields) };
}

export class DocumentStream {
  private readonly r: Prng;
  /** Fault decisions draw from their own stream, so turning a fault rate on does not change the other documents. */
  private readonly faults: Prng;
  private readonly ffdVer: number;
  private readonly is12: boolean;
  private fd = 0;
  private clock: number;
  private shiftNumber = 0;
  private shiftOpen = false;
  private shiftFirstFd = 0;
  private receiptsInShift = 0;
  private correctionsInShift = 0;
  private shiftBudget = 0;
  private currentStateAt = -1;
  private shiftCounters = new SumCounters();
  private readonly driveCounters = new SumCounters();
  private cashier: string;
  private readonly heads = new Map<string, EncodedPart>();
  private readonly pool: Basket[] = [];

  constructor(
    readonly identity: RegisterIdentity,
    private readonly o: StreamOptions,
  ) {
    this.r = new Prng(`${o.seed}:documents:${identity.index}`);
    this.faults = new Prng(`${o.seed}:faults:${identity.index}`);
    this.ffdVer = FFD_FORMAT_VERSION[identity.ffd];
    this.is12 = identity.ffd === '1.2';
    this.clock = o.startTime;
    this.cashier = identity.cashiers[0]!;
  }

  /** The next document, or undefined when the budget is spent. */
  next(): GeneratedDocument | undefined {
    const left = this.o.maxDocuments - this.fd;
    if (left <= 0) return undefined;
    if (this.fd === 0) return this.fiscalReport();
    if (!this.shiftOpen) return left === 1 ? this.currentStateReport() : this.openShift();
    if (left === 1 || this.receiptsInShift + this.correctionsInShift >= this.shiftBudget) return this.closeShift();
    if (this.receiptsInShift === this.currentStateAt) {
      this.currentStateAt = -1;
      return this.currentStateReport();
    }
    return this.r.chance(this.o.correctionShare) ? this.correctionReceipt() : this.receipt();
  }

  // ---- documents ----

  private fiscalReport(): GeneratedDocument {
    const id = this.identity;
    return this.whole('fiscalReport', {
      user: id.user,
      userInn: id.userInn,
      retailPlaceAddress: id.retailPlaceAddress,
      retailPlace: id.retailPlace,
      ...this.stamp(),
      kktNumber: id.kktNumber,
      operator: this.cashier,
      ofdInn: this.o.ofdInn,
      ofdName: this.o.ofdName,
      fnsUrl: FNS_URL,
      sellerAddress: id.sellerAddress,
      taxationType: id.taxationType,
      encryptionSign: 0,
      autoMode: 0,
      offlineMode: 0,
      internetSign: 0,
      serviceSign: 0,
      bsoSign: 0,
      lotterySign: 0,
      gamblingSign: 0,
      exciseDutyProductSign: 0,
      printInMachineSign: 0,
      kktVersion: this.is12 ? '4.1.12' : '3.0.7',
      documentKktVersion: this.ffdVer,
      documentFdVersion: this.ffdVer,
    });
  }

  private openShift(): GeneratedDocument {
    // The next working day at 08:00–09:59, unless this is the registration day.
    if (this.shiftNumber > 0) this.setClock((Math.floor(this.clock / DAY) + 1) * DAY + 8 * 3600 + this.r.int(0, 7199));
    else this.advance(60, 600);
    this.shiftNumber++;
    this.shiftOpen = true;
    this.receiptsInShift = 0;
    this.correctionsInShift = 0;
    this.shiftCounters = new SumCounters();
    this.shiftBudget = this.r.int(MIN_RECEIPTS_PER_SHIFT, MAX_RECEIPTS_PER_SHIFT);
    this.currentStateAt = this.r.chance(this.o.currentStateShare) ? this.r.int(1, this.shiftBudget - 1) : -1;
    this.cashier = this.r.pick(this.identity.cashiers);
    const doc = this.whole('openShift', { ...this.header(), shiftNumber: this.shiftNumber, ...DRIVE_STATE });
    this.shiftFirstFd = doc.fiscalDocumentNumber;
    return doc;
  }

  private receipt(): GeneratedDocument {
    this.advance(20, 300);
    const flkFault = this.faults.chance(this.o.flkErrorRate);
    const marked = this.is12 && this.r.chance(this.o.markedShare);
    let basket: Basket;
    if (flkFault || marked || this.pool.length < this.o.basketPool || this.pool.length === 0) {
      basket = this.freshBasket(marked, flkFault);
      if (!flkFault && !marked && this.pool.length < this.o.basketPool) this.pool.push(basket);
    } else {
      basket = this.pool[this.r.int(0, this.pool.length - 1)]!;
    }
    this.receiptsInShift++;
    this.shiftCounters.addReceipt(basket.totals);
    this.driveCounters.addReceipt(basket.totals);
    const head = this.head();
    const variable: FieldObject = {
      dateTime: formatUnixtime(this.clock),
      fiscalDocumentNumber: ++this.fd,
      requestNumber: this.receiptsInShift + this.correctionsInShift,
      shiftNumber: this.shiftNumber,
    };
    return {
      form: FORM.receipt,
      formName: 'receipt',
      fiscalDocumentNumber: this.fd,
      totals: basket.totals,
      flkFault,
      tamperFault: this.faults.chance(this.o.tamperRate),
      fields: () => ({ code: FORM.receipt, ...head.fields, ...variable, ...basket.part.fields }),
      encode: () => assembleDocument(FORM.receipt, [head.children, encodePart(FORM.receipt, variable).children, basket.part.children]),
    };
  }

  /** Items, payments, VAT and the receipt's other per-sale fields, encoded once. */
  private freshBasket(marked: boolean, flkFault: boolean): Basket {
    const id = this.identity;
    const operationType = PICK_OPERATION.pick(this.r);
    const lines = makeBasket(this.r, { marked, noVat: id.appliedTaxationType !== 1, minLines: 1, maxLines: MAX_LINES });
    const settlement = makeSettlement(this.r, operationType, lines, flkFault);
    const fields: FieldObject = {
      operationType,
      appliedTaxationType: id.appliedTaxationType,
      items: lines.map((l) => itemFields(l, this.is12)),
      ...paymentFields(settlement),
      fnsUrl: FNS_URL,
    };
    if (this.r.chance(this.o.emailShare)) {
      fields.buyerPhoneOrAddress = this.r.pick(BUYER_CONTACTS);
      fields.sellerAddress = id.sellerAddress;
    }
    // 2107: 0 = every marking code of the receipt checked positively.
    if (marked) fields.checkingLabeledProdResult = 0;
    const { lines: _lines, ...totals } = settlement;
    return { totals, part: encodePart(FORM.receipt, fields) };
  }

  private correctionReceipt(): GeneratedDocument {
    this.advance(20, 300);
    const id = this.identity;
    const lines = makeBasket(this.r, { marked: false, noVat: id.appliedTaxationType !== 1, minLines: 1, maxLines: 3 });
    const { lines: _lines, ...totals } = makeSettlement(this.r, 1, lines, false);
    this.correctionsInShift++;
    this.shiftCounters.addCorrection(totals);
    this.driveCounters.addCorrection(totals);
    const base: FieldObject = {
      correctionDocumentDate: formatUnixtime(this.clock - this.r.int(1, 20) * DAY),
      correctionDocumentNumber: this.r.chance(0.5) ? 'б/н' : `${this.r.int(1, 999)}-к`,
    };
    if (!this.is12) base.correctionName = 'Расчёт без применения ККТ';
    const fields: FieldObject = {
      ...this.header(),
      requestNumber: this.receiptsInShift + this.correctionsInShift,
      shiftNumber: this.shiftNumber,
      operationType: totals.operationType,
      appliedTaxationType: id.appliedTaxationType,
      correctionType: 0,
      // 1174's FNS name starts with a Cyrillic "с" (ffd-tags.tsv).
      '\u0441orrectionBase': base,
    };
    // FFD 1.05 correction receipts carry only totals; FFD 1.2 ones list the items.
    if (this.is12) fields.items = lines.map((l) => itemFields(l, this.is12));
    Object.assign(fields, paymentFields(totals));
    return this.whole('receiptCorrection', fields, totals);
  }

  private currentStateReport(): GeneratedDocument {
    this.advance(20, 120);
    const fields: FieldObject = {
      user: this.identity.user,
      userInn: this.identity.userInn,
      retailPlaceAddress: this.identity.retailPlaceAddress,
      ...this.stamp(),
      shiftNumber: this.shiftNumber,
      notTransmittedDocumentsQuantity: 0,
      notTransmittedDocumentNumber: 0,
      fiscalDriveSumReports: this.driveCounters.toJson(),
    };
    if (this.is12) fields.undeliveredNotificationsNumber = 0;
    return this.whole('currentStateReport', fields);
  }

  private closeShift(): GeneratedDocument {
    this.advance(60, 900);
    const fd = this.fd + 1;
    const fields: FieldObject = {
      ...this.header(),
      shiftNumber: this.shiftNumber,
      // 1111 counts every FD of the shift, its opening and this closing report included (A).
      documentsQuantity: fd - this.shiftFirstFd + 1,
      // 1118 counts cash receipts and correction receipts (A).
      receiptsQuantity: this.receiptsInShift + this.correctionsInShift,
      notTransmittedDocumentsQuantity: 0,
      ...DRIVE_STATE,
      shiftSumReports: this.shiftCounters.toJson(),
      fiscalDriveSumReports: this.driveCounters.toJson(),
    };
    if (this.is12) {
      fields.undeliveredNotificationsNumber = 0;
      fields.invalidLabelCodesSign = 0;
      fields.invalidRequestsNotificationsSign = 0;
    }
    this.shiftOpen = false;
    return this.whole('closeShift', fields);
  }

  // ---- pieces ----

  /** The per-FN stamp every document carries (1012, 1040, 1041, 1037, 1209). */
  private stamp(): FieldObject {
    return {
      dateTime: formatUnixtime(this.clock),
      fiscalDocumentNumber: this.fd + 1,
      fiscalDriveNumber: this.identity.fiscalDriveNumber,
      kktRegId: this.identity.kktRegId,
      fiscalDocumentFormatVer: this.ffdVer,
    };
  }

  /** Owner, cashier and place, then the stamp: the head of shift reports and correction receipts. */
  private header(): FieldObject {
    return {
      user: this.identity.user,
      userInn: this.identity.userInn,
      operator: this.cashier,
      retailPlaceAddress: this.identity.retailPlaceAddress,
      retailPlace: this.identity.retailPlace,
      ...this.stamp(),
    };
  }

  /** A receipt's constant head — owner, cashier, place, FN, registration number, FFD — encoded once per cashier. */
  private head(): EncodedPart {
    let part = this.heads.get(this.cashier);
    if (!part) {
      const id = this.identity;
      part = encodePart(FORM.receipt, {
        user: id.user,
        userInn: id.userInn,
        operator: this.cashier,
        retailPlaceAddress: id.retailPlaceAddress,
        retailPlace: id.retailPlace,
        fiscalDriveNumber: id.fiscalDriveNumber,
        kktRegId: id.kktRegId,
        fiscalDocumentFormatVer: this.ffdVer,
      });
      this.heads.set(this.cashier, part);
    }
    return part;
  }

  private whole(formName: FormName, fields: FieldObject, totals?: SettlementTotals): GeneratedDocument {
    this.fd++;
    return wholeDocument(
      {
        form: FORM[formName],
        formName,
        fiscalDocumentNumber: this.fd,
        totals,
        flkFault: false,
        tamperFault: this.faults.chance(this.o.tamperRate),
      },
      { code: FORM[formName], ...fields },
    );
  }

  private advance(minSeconds: number, maxSeconds: number): void {
    this.setClock(this.clock + this.r.int(minSeconds, maxSeconds));
  }

  private setClock(seconds: number): void {
    this.clock = this.o.latestTime === undefined ? seconds : Math.min(seconds, Math.max(this.o.latestTime, this.clock));
  }
}
