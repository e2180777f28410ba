/**
 * ФЛК rule codes. Stable: they are stored with each document (documents.flk_codes), carried in queue jobs and counted in
 * metrics; tests assert on them, never on messages. Every code here has exactly one rule in rules.ts (tested).
 */
export const FlkCodes = {
  /** 1209 holds an unknown value, is missing although the document carries FFD 1.05+ tags, or FFD 1.2-only tags appear
   *  in an older document. */
  FLK_FFD_VERSION: 'FLK_FFD_VERSION',
  /** A field the FFD makes mandatory for this form and version is absent. */
  FLK_MISSING_FIELD: 'FLK_MISSING_FIELD',
  /** 1041 is not 16 digits, or differs from the container's FN number. */
  FLK_FN_NUMBER: 'FLK_FN_NUMBER',
  /** 1040 differs from the container's FD number. */
  FLK_FD_NUMBER: 'FLK_FD_NUMBER',
  /** 1012 is before 2016-07-01 or more than a day after the document was received. */
  FLK_DATE: 'FLK_DATE',
  /** An INN (1018, 1017, 1203, 1226, 1228) is not 10 or 12 digits with valid check digits. */
  FLK_INN: 'FLK_INN',
  /** 1037 (KKT registration number) is not 16 digits. */
  FLK_KKT_REG_ID: 'FLK_KKT_REG_ID',
  /** Payments 1031 + 1081 + 1215 + 1216 + 1217 differ from 1020. */
  FLK_TOTAL_MISMATCH: 'FLK_TOTAL_MISMATCH',
  /** An item's 1043 differs from 1079 × 1023 by more than rounding allows. */
  FLK_ITEM_SUM: 'FLK_ITEM_SUM',
  /** An item's 1023 is zero. */
  FLK_ITEM_QUANTITY: 'FLK_ITEM_QUANTITY',
  /** Σ item 1043 differs from 1020. */
  FLK_ITEMS_TOTAL: 'FLK_ITEMS_TOTAL',
  /** A receipt-level VAT total (1102–1107) does not follow from the items' 1199 rates and 1043 sums. */
  FLK_VAT_SUM: 'FLK_VAT_SUM',
  /** An enumerated field holds a value the FFD does not define (1054, 1055, 1062, 1173, 1199, 1212, 1214). */
  FLK_ENUM: 'FLK_ENUM',
  /** A fixed-width string field (TSV `fixed`) has another length. */
  FLK_FIELD_LENGTH: 'FLK_FIELD_LENGTH',
} as const;

export type FlkCode = (typeof FlkCodes)[keyof typeof FlkCodes];
