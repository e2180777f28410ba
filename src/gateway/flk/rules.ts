/**
 * The ФЛК rule table. One row per rule code: where it applies (forms × FFD versions), what it means (ru / en), and a pure
 * check. Each check names its source: protocol.md section (§), the tag dictionary (TSV), the FFD tables (FFD), or our own
 * reasoning (A).
 *
 * Policy: a finding acks a real register's document with 1022 = 14 and raises its ФЛК flag (§3.4). Where the FFD leaves
 * room — rounding, optional tags, values added by later amendments — the rules give the register the benefit of the
 * doubt. A value of an unexpected JSON type is skipped, never reported and never thrown on.
 */
import { DATE_RULE } from './rules/date.js';
import { FFD_VERSION_RULE } from './rules/ffd-version.js';
import { FD_NUMBER_RULE, FN_NUMBER_RULE, INN_RULE, KKT_REG_ID_RULE } from './rules/identity.js';
import { MISSING_FIELD_RULE } from './rules/required-fields.js';
import { ITEMS_TOTAL_RULE, ITEM_QUANTITY_RULE, ITEM_SUM_RULE, TOTAL_MISMATCH_RULE, VAT_SUM_RULE } from './rules/sums.js';
import { ENUM_RULE, FIELD_LENGTH_RULE } from './rules/values.js';
import type { FlkRule } from './types.js';

export { FIXED_WIDTH_CHECKED } from './rules/values.js';

/** In this order: a document's findings are listed by it. */
export const RULES: readonly FlkRule[] = [
  FFD_VERSION_RULE,
  MISSING_FIELD_RULE,
  FN_NUMBER_RULE,
  FD_NUMBER_RULE,
  DATE_RULE,
  INN_RULE,
  KKT_REG_ID_RULE,
  TOTAL_MISMATCH_RULE,
  ITEM_SUM_RULE,
  ITEM_QUANTITY_RULE,
  ITEMS_TOTAL_RULE,
  VAT_SUM_RULE,
  ENUM_RULE,
  FIELD_LENGTH_RULE,
];
