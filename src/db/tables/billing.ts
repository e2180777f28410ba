// Billing tables: the ledger (migration 0035), tariffs, paid service periods and activation codes (0036) with the
// ofd_services cache of each register's latest paid day (0013), card payments (0037), the market and SMS balances
// (0038), invoices and bank statements (0039).
import type { GeneratedAlways, Selectable } from 'kysely';
import type { Defaulted, Int8, PgDate, Timestamptz } from '../column-types.js';

export type LedgerUnit = 'RUB' | 'SMS' | 'CODE';

export interface LedgerAccountKindsTable {
  code: string;
  unit: LedgerUnit;
  owner: 'organization' | 'operator';
  min_balance: Int8 | null;
  title: string;
}

export interface LedgerAccountsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8 | null;
  code: string;
  unit: LedgerUnit;
  min_balance: Int8 | null;
  balance: Defaulted<Int8>;
  created_at: Defaulted<Timestamptz>;
}

export interface LedgerTransactionsTable {
  id: GeneratedAlways<number>;
  idempotency_key: string;
  request_hash: string;
  reason: string;
  reference: string;
  organization_id: Int8 | null;
  posted_at: Defaulted<Timestamptz>;
}

export interface LedgerEntriesTable {
  id: GeneratedAlways<number>;
  transaction_id: Int8;
  account_id: Int8;
  amount: Int8;
}

export interface TariffsTable {
  id: GeneratedAlways<number>;
  code: string;
  name: string;
  months: number;
  /** Kopecks. */
  price: Int8;
  promo_price: Int8 | null;
  promo_from: PgDate | null;
  promo_until: PgDate | null;
  active: Defaulted<boolean>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}

export type ServicePeriodSource = 'tariff' | 'activation_code' | 'operator';

export interface RegisterServicePeriodsTable {
  id: GeneratedAlways<number>;
  register_id: Int8;
  organization_id: Int8 | null;
  source: ServicePeriodSource;
  tariff_id: Int8 | null;
  activation_code: string | null;
  starts_on: PgDate;
  ends_on: PgDate;
  price: Defaulted<Int8>;
  transaction_id: Int8 | null;
  request_key: string | null;
  created_at: Defaulted<Timestamptz>;
}

export interface ActivationCodesTable {
  code: string;
  organization_id: Int8;
  tariff_id: Int8;
  months: number;
  purchase_key: string;
  transaction_id: Int8;
  applied_register_id: Int8 | null;
  applied_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}

/** Each register's latest paid day: rewritten with every service period. */
export interface OfdServicesTable {
  register_id: Int8;
  service_until: PgDate;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}

export interface CardPaymentsTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  order_id: string;
  request_key: string;
  provider_payment_id: string | null;
  amount: Int8;
  status: Defaulted<'pending' | 'succeeded' | 'declined'>;
  refunded_amount: Defaulted<Int8>;
  confirmation_url: string | null;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}
export type CardPaymentRow = Selectable<CardPaymentsTable>;

export interface CardRefundsTable {
  id: GeneratedAlways<number>;
  payment_id: Int8;
  reference: string;
  provider_refund_id: string | null;
  amount: Int8;
  status: Defaulted<'pending' | 'succeeded' | 'failed'>;
  created_at: Defaulted<Timestamptz>;
  updated_at: Defaulted<Timestamptz>;
}

export interface MarketProductsTable {
  code: string;
  kind: 'sms_package' | 'sms_postpaid';
  name: string;
  units: number;
  price: Int8;
  active: Defaulted<boolean>;
  sort: Defaulted<number>;
}

export interface OrganizationBillingTable {
  organization_id: Int8;
  sms_postpaid: Defaulted<boolean>;
  updated_at: Defaulted<Timestamptz>;
}

export interface SmsBalancesTable {
  organization_id: Int8;
  balance: Defaulted<number>;
  updated_at: Defaulted<Timestamptz>;
}

export interface InvoicesTable {
  id: GeneratedAlways<number>;
  organization_id: Int8;
  number: string;
  amount: Int8;
  status: Defaulted<'issued' | 'paid'>;
  request_key: string;
  issued_on: PgDate;
  paid_at: Timestamptz | null;
  created_at: Defaulted<Timestamptz>;
}

export interface BankStatementLinesTable {
  id: GeneratedAlways<number>;
  line_key: string;
  paid_on: PgDate | null;
  document_number: string;
  amount: Int8;
  payer_inn: string | null;
  payer_name: string | null;
  purpose: string;
  invoice_id: Int8 | null;
  transaction_id: Int8 | null;
  imported_at: Defaulted<Timestamptz>;
}
