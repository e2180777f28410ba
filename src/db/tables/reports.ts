// Report rollups (migration 0009_reports): receipts summed per hour and per day, and items per day, by organization,
// outlet, register (0 where unknown), operation and taxation type. Written in the persist transaction.
import type { Defaulted, Int8, LocalDateTime, Numeric, PgDate } from '../column-types.js';

interface RollupSums {
  organization_id: Int8;
  outlet_id: Int8;
  register_id: Int8;
  operation_type: number;
  taxation_type: number;
  receipts: Defaulted<Int8>;
  total_sum: Defaulted<Int8>;
  cash_sum: Defaulted<Int8>;
  ecash_sum: Defaulted<Int8>;
  prepaid_sum: Defaulted<Int8>;
  credit_sum: Defaulted<Int8>;
  provision_sum: Defaulted<Int8>;
  nds20_sum: Defaulted<Int8>;
  nds10_sum: Defaulted<Int8>;
  nds0_base: Defaulted<Int8>;
  nds_no_base: Defaulted<Int8>;
  nds20_120_sum: Defaulted<Int8>;
  nds10_110_sum: Defaulted<Int8>;
}

export interface ReportRollupHourlyTable extends RollupSums {
  /** The register's local wall clock, truncated to the hour. */
  hour: LocalDateTime;
}

export interface ReportRollupDailyTable extends RollupSums {
  day: PgDate;
}

/**
 * Daily net sales per item name, by name (migration 0009). Since migration 0075 only a previous release's worker writes
 * here, during an upgrade: read report_item_daily_named.
 */
export interface ReportItemDailyTable {
  day: PgDate;
  organization_id: Int8;
  outlet_id: Int8;
  register_id: Int8;
  name: string;
  quantity: Defaulted<Numeric>;
  sum: Defaulted<Int8>;
}

/** Daily net sales per item, by the name's id in item_name_dictionary (migration 0075): what the rollups write. */
export interface ReportItemDailyIdsTable {
  day: PgDate;
  organization_id: Int8;
  outlet_id: Int8;
  register_id: Int8;
  /** item_name_dictionary.id; 0: items without a name (1030). */
  name_id: number;
  quantity: Defaulted<Numeric>;
  sum: Defaulted<Int8>;
}

/** The view report_item_daily_named (migration 0075): the rows of both tables, names as text ('' for none). Sum over it. */
export interface ReportItemDailyNamedView {
  day: PgDate;
  organization_id: Int8;
  outlet_id: Int8;
  register_id: Int8;
  name: string;
  quantity: Numeric;
  sum: Int8;
}
