/**
 * Mandatory fields per form and FFD version, for FLK_MISSING_FIELD. Deliberately short: only fields every register
 * writes into the electronic form of that document, where the tag dictionary (ffd-tags.tsv `ffd_versions`, `parents`)
 * and the FFD tables agree. Conditional fields (1021/1203 cashier — absent in automatic mode; 1017 — absent in offline
 * mode; VAT totals; 1030 name — exempt for some sole traders before 2021) are not here: a missing one is no ФЛК error
 * we can prove from the document alone.
 *
 * `source`: TSV = the dictionary row (parents / versions); FFD = the FFD table for that form; A = our reasoning.
 */
import { ALL_FFD, FFD_105_PLUS, FFD_12, FISCAL_FORMS, SETTLEMENT_FORMS, type FfdVersion } from './types.js';

export interface RequiredField {
  /** FNS JSON name (for 1174 the TSV's Cyrillic-"с" spelling). */
  readonly field: string;
  readonly tag: number;
  readonly forms: readonly number[];
  readonly ffd: readonly FfdVersion[];
  /** `item`: inside every 1059 item of the document. */
  readonly level: 'document' | 'item';
  /** 1214 values whose items are exempt: 3 аванс, 7 оплата кредита (FFD: such lines need not carry price/quantity). */
  readonly exemptPaymentTypes?: readonly number[];
  readonly source: string;
}

const RECEIPTS = [3, 4];
const CORRECTIONS = [31, 41];
const REGISTRATIONS = [1, 11];
const ADVANCE_OR_CREDIT = [3, 7];

export const REQUIRED_FIELDS: readonly RequiredField[] = [
  // Every fiscal document (TSV parents "all docs" / "all fiscal docs", FFD 1.0+).
  { field: 'dateTime', tag: 1012, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1012 all docs' },
  { field: 'fiscalDocumentNumber', tag: 1040, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1040 all docs' },
  { field: 'fiscalDriveNumber', tag: 1041, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1041 all docs' },
  { field: 'fiscalSign', tag: 1077, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1077 all fiscal docs; §5.1' },
  { field: 'userInn', tag: 1018, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1018 all docs' },
  { field: 'kktRegId', tag: 1037, forms: FISCAL_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1037 all docs' },

  // Registration reports.
  { field: 'user', tag: 1048, forms: REGISTRATIONS, ffd: ALL_FFD, level: 'document', source: 'FFD registration report table' },
  { field: 'taxationType', tag: 1062, forms: REGISTRATIONS, ffd: ALL_FFD, level: 'document', source: 'TSV 1062 parents 1,11; FFD' },
  { field: 'kktNumber', tag: 1013, forms: REGISTRATIONS, ffd: FFD_105_PLUS, level: 'document', source: 'FFD 1.05+ registration report table' },

  // Shift reports and the current-state report.
  { field: 'shiftNumber', tag: 1038, forms: [2, 5], ffd: ALL_FFD, level: 'document', source: 'FFD shift report tables (the shift is the report)' },
  { field: 'notTransmittedDocumentsQuantity', tag: 1097, forms: [21], ffd: ALL_FFD, level: 'document', source: 'TSV 1097 parents 5,21,6; FFD current-state report' },

  // Settlement documents (TSV parents 3,4,31,41).
  { field: 'totalSum', tag: 1020, forms: SETTLEMENT_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1020; FFD receipt tables' },
  { field: 'operationType', tag: 1054, forms: SETTLEMENT_FORMS, ffd: ALL_FFD, level: 'document', source: 'TSV 1054; FFD receipt tables' },
  { field: 'appliedTaxationType', tag: 1055, forms: SETTLEMENT_FORMS, ffd: FFD_105_PLUS, level: 'document', source: 'FFD 1.05+ receipt tables' },
  { field: 'requestNumber', tag: 1042, forms: RECEIPTS, ffd: ALL_FFD, level: 'document', source: 'TSV 1042; FFD receipt tables' },
  { field: 'shiftNumber', tag: 1038, forms: RECEIPTS, ffd: ALL_FFD, level: 'document', source: 'FFD receipt tables' },
  { field: 'requestNumber', tag: 1042, forms: CORRECTIONS, ffd: FFD_105_PLUS, level: 'document', source: 'TSV 1042; FFD 1.05+ correction tables' },
  { field: 'shiftNumber', tag: 1038, forms: CORRECTIONS, ffd: FFD_105_PLUS, level: 'document', source: 'FFD 1.05+ correction tables' },
  { field: 'correctionType', tag: 1173, forms: CORRECTIONS, ffd: FFD_105_PLUS, level: 'document', source: 'TSV 1173 1.05+ parents 31,41' },
  { field: 'сorrectionBase', tag: 1174, forms: CORRECTIONS, ffd: FFD_105_PLUS, level: 'document', source: 'TSV 1174 1.05+ parents 31,41' },
  // Items: receipts from FFD 1.05 (1.0 let some sole traders omit them); correction receipts carry items from FFD 1.2.
  { field: 'items', tag: 1059, forms: RECEIPTS, ffd: FFD_105_PLUS, level: 'document', source: 'FFD 1.05+ receipt tables' },
  { field: 'items', tag: 1059, forms: CORRECTIONS, ffd: FFD_12, level: 'document', source: 'FFD 1.2 correction tables (A: full items since 1.2)' },

  // Inside every item (TSV parents 1059).
  { field: 'sum', tag: 1043, forms: SETTLEMENT_FORMS, ffd: ALL_FFD, level: 'item', source: 'TSV 1043; FFD item table' },
  { field: 'price', tag: 1079, forms: SETTLEMENT_FORMS, ffd: ALL_FFD, level: 'item', exemptPaymentTypes: ADVANCE_OR_CREDIT, source: 'TSV 1079; FFD item table' },
  { field: 'quantity', tag: 1023, forms: SETTLEMENT_FORMS, ffd: ALL_FFD, level: 'item', exemptPaymentTypes: ADVANCE_OR_CREDIT, source: 'TSV 1023; FFD item table' },
  { field: 'nds', tag: 1199, forms: SETTLEMENT_FORMS, ffd: FFD_105_PLUS, level: 'item', source: 'TSV 1199 1.05+; FFD item table' },
  { field: 'paymentType', tag: 1214, forms: SETTLEMENT_FORMS, ffd: FFD_105_PLUS, level: 'item', source: 'TSV 1214 1.05+; FFD item table' },
  { field: 'productType', tag: 1212, forms: SETTLEMENT_FORMS, ffd: FFD_12, level: 'item', source: 'FFD 1.2 item table' },
  { field: 'itemsQuantityMeasure', tag: 2108, forms: SETTLEMENT_FORMS, ffd: FFD_12, level: 'item', exemptPaymentTypes: ADVANCE_OR_CREDIT, source: 'TSV 2108 1.2; FFD 1.2 item table' },
];
