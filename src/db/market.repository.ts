// The Маркет's reads (migrations 0036+): the product catalogue, whether postpaid SMS is on, and what an organization
// sent on credit — src/billing/market.ts prices and posts from them.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface MarketProduct {
  code: string;
  kind: 'sms_package' | 'sms_postpaid';
  name: string;
  units: number;
  price: number;
  active: boolean;
}

/** The SMS products on sale, in catalogue order. */
export async function listProducts(db: Db): Promise<MarketProduct[]> {
  const { rows } = await sql<MarketProduct>`select code, kind, name, units, price, active from market_products where active and kind in ('sms_package', 'sms_postpaid') order by sort, code`.execute(db);
  return rows;
}

export async function findProduct(db: Db, code: string): Promise<MarketProduct | undefined> {
  const { rows } = await sql<MarketProduct>`select code, kind, name, units, price, active from market_products where code = ${code}`.execute(db);
  return rows[0];
}

export async function smsPostpaidEnabled(db: Db, organizationId: number): Promise<boolean> {
  const { rows } = await sql<{ on: boolean }>`select sms_postpaid as on from organization_billing where organization_id = ${organizationId}`.execute(db);
  return rows[0]?.on === true;
}

/** Units taken on credit (the `sms_postpaid` account's outflow, less what bills put back) before `start`. */
export async function postpaidUnitsBefore(db: Db, organizationId: number, start: Date): Promise<number> {
  const { rows } = await sql<{ owed: number }>`
    select coalesce(-sum(e.amount), 0)::bigint as owed
      from ledger_entries e join ledger_accounts a on a.id = e.account_id
      join ledger_transactions t on t.id = e.transaction_id
     where a.organization_id = ${organizationId} and a.code = 'sms_postpaid' and t.posted_at < ${start}
  `.execute(db);
  return Number(rows[0]?.owed ?? 0);
}

/** The reference (`month:YYYY-MM`) of the organization's latest postpaid bill, if any. */
export async function lastPostpaidBillReference(db: Db, organizationId: number): Promise<string | undefined> {
  const { rows } = await sql<{ reference: string }>`
    select reference from ledger_transactions where organization_id = ${organizationId} and reason = 'sms_postpaid_bill' order by id desc limit 1
  `.execute(db);
  return rows[0]?.reference;
}

/** Units sent on credit in [since, start), by send reason (sms_sent, viber_sent). */
export async function postpaidSendsByReason(db: Db, organizationId: number, since: Date, start: Date): Promise<Array<{ reason: string; owed: number }>> {
  const { rows } = await sql<{ reason: string; owed: number }>`
    select t.reason, coalesce(-sum(e.amount), 0)::bigint as owed
      from ledger_entries e join ledger_accounts a on a.id = e.account_id
      join ledger_transactions t on t.id = e.transaction_id
     where a.organization_id = ${organizationId} and a.code = 'sms_postpaid' and t.reason in ('sms_sent', 'viber_sent')
       and t.posted_at >= ${since} and t.posted_at < ${start}
     group by t.reason
  `.execute(db);
  return rows.map((r) => ({ reason: r.reason, owed: Number(r.owed) }));
}

/** Organizations that owe for SMS sent on credit. */
export async function organizationsOwingPostpaid(db: Db): Promise<number[]> {
  const { rows } = await sql<{ organization_id: number }>`
    select organization_id from ledger_accounts where code = 'sms_postpaid' and balance < 0 order by organization_id
  `.execute(db);
  return rows.map((r) => Number(r.organization_id));
}
