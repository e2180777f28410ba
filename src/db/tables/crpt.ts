// Tables of migration 0008_crpt (see there): sales reported to ЦРПТ and the status of each marking code in them.
import type { Defaulted, Int8, Timestamptz } from '../column-types.js';

export type CrptSaleSource = 'receipt' | 'notification';
export type CrptSaleStatus = 'sending' | 'retrying' | 'delivered' | 'dead';
export type CrptCodeStage = 'checked' | 'delivered' | 'crpt_answered';

export interface CrptSalesTable {
  source: CrptSaleSource;
  fn: string;
  fd: Int8;
  status: CrptSaleStatus;
  attempts: Defaulted<number>;
  duplicate: Defaulted<boolean>;
  last_error_code: string | null;
  last_error: string | null;
  lease_until: Timestamptz | null;
  lease_owner: string | null;
  sent_at: Timestamptz | null;
  delivered_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}

export interface CrptCodeStatusTable {
  source: CrptSaleSource;
  fn: string;
  fd: Int8;
  item_index: number;
  code: string;
  check_result: number | null;
  receipt_check_result: number | null;
  stage: CrptCodeStage;
  crpt_status: string | null;
  updated_at: Defaulted<Timestamptz>;
}
