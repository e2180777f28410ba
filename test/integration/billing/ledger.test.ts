// The ledger's rules one by one, on a real PostgreSQL: balanced movements only, overdraft rules per account kind,
// replays, reused keys, append-only history, and the audit.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError, operatorAccount, orgAccount, transfer, type LedgerPosting } from '../../../src/domain/ledger.js';
import { balanceOf, organizationHistory, postLedger, postOne, verifyLedger } from '../../../src/db/ledger.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const topUp = (key: string, org: number, amount: number): LedgerPosting => ({
  idempotencyKey: key,
  reason: 'top_up.card',
  reference: `payment:${key}`,
  organizationId: org,
  entries: transfer(operatorAccount('clearing.card'), orgAccount(org, 'balance'), amount),
});

describe('ledger rules', () => {
  let t: TestDatabase;
  let org: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    const { rows } = await sql<{ id: number }>`insert into organizations (inn, name) values ('7701000001', 'ООО Тест') returning id`.execute(t.db);
    org = rows[0]!.id;
  });
  afterAll(() => t.drop());

  it('refuses an unbalanced movement and a zero amount before the database', async () => {
    const unbalanced: LedgerPosting = { ...topUp('u1', org, 100), entries: [orgAccount(org, 'balance')].map((a) => ({ ...a, amount: 100 })) };
    await expect(postOne(t.db, unbalanced)).rejects.toMatchObject({ code: 'LEDGER_BAD_ENTRY' });
    const mixedUnits: LedgerPosting = {
      ...topUp('u2', org, 100),
      entries: [
        { ...orgAccount(org, 'balance'), amount: 100 },
        { ...operatorAccount('sms.issued'), amount: -100 },
      ],
    };
    await expect(postOne(t.db, mixedUnits)).rejects.toMatchObject({ code: 'LEDGER_UNBALANCED' });
    await expect(postOne(t.db, { ...topUp('u3', org, 100), entries: transfer(operatorAccount('clearing.card'), orgAccount(org, 'balance'), 0) })).rejects.toBeInstanceOf(LedgerError);
  });

  it('the database itself refuses an unbalanced batch (a caller bypassing the checks)', async () => {
    const op = { key: 'raw-1', hash: 'h', reason: 'service', reference: 'x', organizationId: org, entries: [{ organizationId: org, code: 'balance', amount: 5 }, { organizationId: null, code: 'adjustments', amount: -4 }] };
    await expect(sql`select ledger_post_batch(${JSON.stringify([op])}::jsonb)`.execute(t.db)).rejects.toThrow(/LEDGER_UNBALANCED/);
    const wrongOwner = { ...op, entries: [{ organizationId: null, code: 'balance', amount: 5 }, { organizationId: null, code: 'adjustments', amount: -5 }] };
    await expect(sql`select ledger_post_batch(${JSON.stringify([wrongOwner])}::jsonb)`.execute(t.db)).rejects.toThrow(/LEDGER_BAD_ACCOUNT/);
  });

  it('rejects an overdraft whole and leaves the balance as it was', async () => {
    await postOne(t.db, topUp('t1', org, 10_000));
    const spend: LedgerPosting = { idempotencyKey: 's1', reason: 'service', reference: 'x', organizationId: org, entries: transfer(orgAccount(org, 'balance'), operatorAccount('revenue.services'), 10_001) };
    await expect(postOne(t.db, spend)).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(await balanceOf(t.db, org, 'balance')).toBe(10_000);
    // Postpaid SMS may go below zero by design.
    await postOne(t.db, { idempotencyKey: 'pp1', reason: 'sms_sent', reference: 'sms', organizationId: org, entries: transfer(orgAccount(org, 'sms_postpaid'), operatorAccount('sms.sent'), 3) });
    expect(await balanceOf(t.db, org, 'sms_postpaid')).toBe(-3);
  });

  it('answers a replay with the first transaction and a reused key with a conflict, moving nothing', async () => {
    const first = await postOne(t.db, topUp('t2', org, 500));
    const again = await postOne(t.db, topUp('t2', org, 500));
    expect(again).toEqual({ transactionId: first.transactionId, replayed: true });
    await expect(postOne(t.db, topUp('t2', org, 501))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await balanceOf(t.db, org, 'balance')).toBe(10_500);
    // In one batch too: the second copy is a duplicate of the first.
    const r = await postLedger(t.db, [topUp('t3', org, 7), topUp('t3', org, 7), topUp('t3', org, 8)]);
    expect(r.map((x) => x.status)).toEqual(['applied', 'duplicate', 'conflict']);
    expect(new Set(r.map((x) => ('transactionId' in x ? x.transactionId : 0))).size).toBe(1);
  });

  it('keeps transactions and entries append-only', async () => {
    await expect(sql`update ledger_entries set amount = amount + 1`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_transactions`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`update ledger_accounts set balance = balance + 1 where code = 'balance'`.execute(t.db)).rejects.toThrow(/only by ledger_post_batch/);
  });

  it('shows the organization its own movements, newest first, and the audit finds nothing', async () => {
    const h = await organizationHistory(t.db, org, { limit: 10 });
    expect(h[0]!.reference).toBe('payment:t3');
    expect(h[0]!.entries).toEqual([{ code: 'balance', unit: 'RUB', amount: 7 }]);
    expect(h.map((x) => x.reason)).toContain('sms_sent');
    expect(await verifyLedger(t.db)).toEqual([]);
    // A cached balance edited behind the ledger's back (its guard switched off by a superuser) is found.
    await sql`alter table ledger_accounts disable trigger ledger_accounts_guard`.execute(t.db);
    await sql`update ledger_accounts set balance = balance + 1 where organization_id = ${org} and code = 'balance'`.execute(t.db);
    expect((await verifyLedger(t.db)).map((d) => d.kind)).toEqual(['cached_balance']);
    await sql`update ledger_accounts set balance = balance - 1 where organization_id = ${org} and code = 'balance'`.execute(t.db);
    await sql`alter table ledger_accounts enable trigger ledger_accounts_guard`.execute(t.db);
  });
});
