// Tables of migration 0008_crpt (see there). Kept out of database.ts: the CRPT code reaches them with
// `db.withTables<CrptTables>()`.
import type { Kysely } from 'kysely';
import type { Defaulted, Int8, Timestamptz } from './column-types.js';
import type { Database } from './database.js';

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

export type CrptTables = {
  crpt_sales: CrptSalesTable;
  crpt_code_status: CrptCodeStatusTable;
};

export type CrptDatabase = Database & CrptTables;

export function crptDb(db: Kysely<Database>): Kysely<CrptDatabase> {
  return db.withTables<CrptTables>();
}
