// The kysely database type and the factory that connects to PostgreSQL.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DbError, DbErrorCodes } from './errors.js';
import type { ApiKeysTable, MembershipsTable, OrganizationDetailsTable, UsersTable, UserTokensTable } from './tables/api-access.js';
import type { ReceiptDeliveryLogTable, RegisterDocumentOwnersTable } from './tables/api-security.js';
import type {
  ActivationCodesTable,
  BankStatementLinesTable,
  CardPaymentsTable,
  CardRefundsTable,
  InvoicesTable,
  LedgerAccountKindsTable,
  LedgerAccountsTable,
  LedgerEntriesTable,
  LedgerTransactionsTable,
  MarketProductsTable,
  OfdServicesTable,
  OrganizationBillingTable,
  RegisterServicePeriodsTable,
  SmsBalancesTable,
  TariffsTable,
} from './tables/billing.js';
import type { OrganizationReceiptSettingsTable, ReceiptBrandBannerImagesTable, ReceiptBrandsTable } from './tables/branding.js';
import type { UserProfilesTable, UserSessionsTable } from './tables/cabinet-sessions.js';
import type { CrptCodeStatusTable, CrptSalesTable } from './tables/crpt.js';
import type { DeadLettersTable } from './tables/dead-letters.js';
import type { DocumentAcksTable } from './tables/document-acks.js';
import type { DocumentConflictsTable } from './tables/document-conflicts.js';
import type {
  DocumentEventsTable,
  DocumentKeysTable,
  DocumentsTable,
  ItemNameDictionaryTable,
  RawContextsTable,
  MarkingCodesTable,
  ReceiptItemsTable,
} from './tables/documents.js';
import type { ExportChunksTable, ExportJobsTable, ExportSettingsTable } from './tables/exports.js';
import type { FnsLeasesTable, FnsPlainAnswersTable, FnsStatusTable } from './tables/fns-status.js';
import type {
  KktApplicationEventsTable,
  KktApplicationsTable,
  SignatureChallengesTable,
  UserCertificateIdentitiesTable,
} from './tables/kkt-applications.js';
import type {
  NotificationEmailsTable,
  NotificationEventsTable,
  NotificationLogTable,
  NotificationRulesTable,
} from './tables/notifications.js';
import type { NotifyDeliveriesTable, ShortLinksTable } from './tables/notify.js';
import type {
  AuditLogTable,
  InnClaimsTable,
  InvitationsTable,
  MembershipLimitsTable,
  OfferAcceptancesTable,
  OfferVersionsTable,
  OrganizationProfilesTable,
  PreparedRegistersTable,
  RegisterImportsTable,
} from './tables/onboarding.js';
import type {
  FdGapsTable,
  FiscalDrivesTable,
  OrganizationsTable,
  OutletsTable,
  RegistersTable,
  ShiftsTable,
} from './tables/registry.js';
import type { ReportItemDailyIdsTable, ReportItemDailyNamedView, ReportItemDailyTable, ReportRollupDailyTable, ReportRollupHourlyTable } from './tables/reports.js';
import type { WebhookDeliveriesTable, WebhookScanStateTable, WebhookSubscriptionsTable } from './tables/webhooks.js';
import { typeParsers } from './type-parsers.js';

/** Every table and view of the schema (migrations/), one interface per table in tables/. */
export interface Database {
  // registry (0001, 0003) and documents (0002, 0054, 0057, 0070)
  organizations: OrganizationsTable;
  outlets: OutletsTable;
  registers: RegistersTable;
  fiscal_drives: FiscalDrivesTable;
  shifts: ShiftsTable;
  fd_gaps: FdGapsTable;
  document_keys: DocumentKeysTable;
  documents: DocumentsTable;
  receipt_items: ReceiptItemsTable;
  item_name_dictionary: ItemNameDictionaryTable;
  raw_contexts: RawContextsTable;
  marking_codes: MarkingCodesTable;
  document_events: DocumentEventsTable;
  document_acks: DocumentAcksTable;
  document_conflicts: DocumentConflictsTable;
  dead_letters: DeadLettersTable;
  // FNS (0006) and ЦРПТ (0008)
  fns_status: FnsStatusTable;
  fns_plain_answers: FnsPlainAnswersTable;
  /** View (0080): fns_status's rows and the plain answers of fns_plain_answers, spelt out as fns_status rows. */
  fns_outcomes: FnsStatusTable;
  fns_leases: FnsLeasesTable;
  crpt_sales: CrptSalesTable;
  crpt_code_status: CrptCodeStatusTable;
  // reports (0009) and exports (0028)
  report_rollup_hourly: ReportRollupHourlyTable;
  report_rollup_daily: ReportRollupDailyTable;
  report_item_daily: ReportItemDailyTable;
  report_item_daily_ids: ReportItemDailyIdsTable;
  report_item_daily_named: ReportItemDailyNamedView;
  export_settings: ExportSettingsTable;
  export_jobs: ExportJobsTable;
  export_chunks: ExportChunksTable;
  // users and access (0007, 0022, 0025, 0031–0033)
  users: UsersTable;
  user_tokens: UserTokensTable;
  user_sessions: UserSessionsTable;
  user_profiles: UserProfilesTable;
  memberships: MembershipsTable;
  membership_limits: MembershipLimitsTable;
  invitations: InvitationsTable;
  api_keys: ApiKeysTable;
  organization_details: OrganizationDetailsTable;
  organization_profiles: OrganizationProfilesTable;
  offer_versions: OfferVersionsTable;
  offer_acceptances: OfferAcceptancesTable;
  inn_claims: InnClaimsTable;
  audit_log: AuditLogTable;
  register_document_owners: RegisterDocumentOwnersTable;
  prepared_registers: PreparedRegistersTable;
  register_imports: RegisterImportsTable;
  // notifications, e-receipts, webhooks (0010–0012, 0023, 0046, 0047)
  notify_deliveries: NotifyDeliveriesTable;
  receipt_delivery_log: ReceiptDeliveryLogTable;
  short_links: ShortLinksTable;
  receipt_brands: ReceiptBrandsTable;
  receipt_brand_banner_images: ReceiptBrandBannerImagesTable;
  organization_receipt_settings: OrganizationReceiptSettingsTable;
  notification_rules: NotificationRulesTable;
  notification_log: NotificationLogTable;
  notification_events: NotificationEventsTable;
  notification_emails: NotificationEmailsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_scan_state: WebhookScanStateTable;
  // billing (0013, 0035–0039)
  ledger_account_kinds: LedgerAccountKindsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  tariffs: TariffsTable;
  register_service_periods: RegisterServicePeriodsTable;
  activation_codes: ActivationCodesTable;
  ofd_services: OfdServicesTable;
  card_payments: CardPaymentsTable;
  card_refunds: CardRefundsTable;
  market_products: MarketProductsTable;
  organization_billing: OrganizationBillingTable;
  sms_balances: SmsBalancesTable;
  invoices: InvoicesTable;
  bank_statement_lines: BankStatementLinesTable;
  // KKT registration and signature sign-in (0040, 0041)
  kkt_applications: KktApplicationsTable;
  kkt_application_events: KktApplicationEventsTable;
  user_certificate_identities: UserCertificateIdentitiesTable;
  signature_challenges: SignatureChallengesTable;
}

export interface CreateDbOptions {
  /** Pool size. Default 10. */
  maxConnections?: number;
  /** Shown in pg_stat_activity. Default 'ofd-gateway'. */
  applicationName?: string;
  /** How long a checkout waits for a connection before failing. Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** How long an idle pooled connection is kept. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Server-side statement_timeout for every connection; unset = the server's setting. */
  statementTimeoutMs?: number;
  /**
   * Errors of idle pooled connections (PostgreSQL restarted, network cut). The pool has already dropped the connection
   * and the next query opens a new one; without a listener Node would crash the process. Default: ignore.
   */
  onPoolError?: (error: Error) => void;
}

export interface DbHandle {
  db: Kysely<Database>;
  /** The underlying pool, for what kysely does not do (COPY through pg-copy-streams, LISTEN). */
  pool: pg.Pool;
  /** Ends the pool; idempotent. */
  close(): Promise<void>;
}

/** Checks a connection string without echoing it (it may hold a password). */
export function parseDatabaseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new DbError(DbErrorCodes.DB_BAD_URL, 'database URL is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DbError(DbErrorCodes.DB_BAD_URL, `database URL must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  return url;
}

export function createDb(databaseUrl: string, opts: CreateDbOptions = {}): DbHandle {
  parseDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.maxConnections ?? 10,
    application_name: opts.applicationName ?? 'ofd-gateway',
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    ...(opts.statementTimeoutMs === undefined ? {} : { statement_timeout: opts.statementTimeoutMs }),
    types: typeParsers,
  });
  const onPoolError = opts.onPoolError ?? (() => {});
  pool.on('error', (error) => onPoolError(error));
  // A client whose connection dies while checked out (a query in flight when PostgreSQL restarts or terminates the
  // backend) emits 'error' as well, and the pool listens only to idle clients: without this listener Node would crash
  // the process. The query in flight is rejected with the same error, so nothing is lost by only reporting it here.
  pool.on('connect', (client) => client.on('error', (error) => onPoolError(error)));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= db.destroy()),
  };
}
