// The ledger against an independent model: 100 000 random movements posted by several writers in parallel, each on a
// pg connection of its own, in batches. Every organization belongs to one writer (so whether a debit fits is decided by
// that writer's order alone, and the model can predict every rejection), while all writers hit the operator's shared
// accounts at once and replay each other's earlier events (duplicated idempotency keys, some with different amounts).
// Checked: every outcome equals the model's, every account's balance equals the model's, no key moved money twice,
// and the ledger's own audit (cached balances = sums of entries, every transaction balanced) finds nothing.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  operatorAccount,
  orgAccount,
  transfer,
  type LedgerPosting,
  type LedgerResult,
  type OperatorAccount,
} from '../../../src/domain/ledger.js';
import { createDb, type DbHandle } from '../../../src/db/database.js';
import { postLedger, postOne, verifyLedger } from '../../../src/db/ledger.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const OPERATIONS = 100_000;
const WRITERS = 4;
const ROUNDS = 10;
const BATCH = 500;
const ORGANIZATIONS = 24;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Expected = 'applied' | 'duplicate' | 'conflict' | 'rejected';
interface PlannedOp {
  posting: LedgerPosting;
  expected: Expected;
}

/** The independent model: plain maps of account → balance, and key → the posting that moved money under it. */
class Model {
  readonly balances = new Map<string, number>();
  readonly applied = new Map<string, LedgerPosting>();
  private readonly mins = new Map<string, number>([
    ['balance', 0],
    ['sms', 0],
  ]);

  private static accountKey(e: { organizationId: number | null; code: string }): string {
    return `${e.organizationId ?? 'op'}/${e.code}`;
  }

  /** What the ledger must answer for `p`, and the balances after it. */
  post(p: LedgerPosting): Expected {
    const first = this.applied.get(p.idempotencyKey);
    if (first) return JSON.stringify(first.entries) === JSON.stringify(p.entries) && first.reference === p.reference ? 'duplicate' : 'conflict';
    const next = new Map<string, number>();
    for (const e of p.entries) {
      const k = Model.accountKey(e);
      next.set(k, (next.get(k) ?? this.balances.get(k) ?? 0) + e.amount);
    }
    for (const e of p.entries) {
      const min = e.organizationId === null ? undefined : this.mins.get(e.code);
      if (min !== undefined && next.get(Model.accountKey(e))! < min) return 'rejected';
    }
    for (const [k, v] of next) this.balances.set(k, v);
    this.applied.set(p.idempotencyKey, p);
    return 'applied';
  }
}

const REVENUES: OperatorAccount[] = ['revenue.ofd', 'revenue.sms', 'revenue.codes', 'revenue.services'];

/** Plans every writer's batches round by round, with the model's expected outcome of each posting. */
function plan(seed: number): PlannedOp[][][][] {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const model = new Model();
  let serial = 0;
  const appliedSoFar: LedgerPosting[] = [];
  const perRound = Math.floor(OPERATIONS / ROUNDS / WRITERS);
  const rounds: PlannedOp[][][][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const replayable = [...appliedSoFar];
    const writers: PlannedOp[][][] = [];
    for (let w = 0; w < WRITERS; w++) {
      const own = Array.from({ length: ORGANIZATIONS / WRITERS }, (_, i) => 1 + w + i * WRITERS);
      const mine: LedgerPosting[] = [];
      const ops: PlannedOp[] = [];
      for (let i = 0; i < perRound; i++) {
        const r = rnd();
        let p: LedgerPosting;
        if (r < 0.05 && replayable.length > 0) p = replayable[int(0, replayable.length - 1)]!; // another writer's earlier event
        else if (r < 0.1 && mine.length > 0) p = mine[int(0, mine.length - 1)]!; // a webhook delivered twice
        else if (r < 0.12 && mine.length > 0) {
          const orig = mine[int(0, mine.length - 1)]!;
          p = { ...orig, reference: `${orig.reference}:tampered` }; // the same key for something else
        } else {
          const org = own[int(0, own.length - 1)]!;
          const key = `op-${++serial}`;
          const kind = rnd();
          if (kind < 0.3) {
            p = { idempotencyKey: key, reason: 'top_up.card', reference: key, organizationId: org, entries: transfer(operatorAccount('clearing.card'), orgAccount(org, 'balance'), int(1, 50_000)) };
          } else if (kind < 0.55) {
            const revenue = REVENUES[int(0, REVENUES.length - 1)]!;
            p = { idempotencyKey: key, reason: 'service', reference: key, organizationId: org, entries: transfer(orgAccount(org, 'balance'), operatorAccount(revenue), int(1, 40_000)) };
          } else if (kind < 0.7) {
            const units = [100, 250, 500, 1000][int(0, 3)]!;
            p = {
              idempotencyKey: key,
              reason: 'sms_package',
              reference: key,
              organizationId: org,
              entries: [...transfer(orgAccount(org, 'balance'), operatorAccount('revenue.sms'), units * 99), ...transfer(operatorAccount('sms.issued'), orgAccount(org, 'sms'), units)],
            };
          } else if (kind < 0.9) {
            p = { idempotencyKey: key, reason: 'sms_sent', reference: key, organizationId: org, entries: transfer(orgAccount(org, 'sms'), operatorAccount('sms.sent'), int(1, 3)) };
          } else {
            p = { idempotencyKey: key, reason: 'refund.card', reference: key, organizationId: org, entries: transfer(orgAccount(org, 'balance'), operatorAccount('clearing.card'), int(1, 30_000)) };
          }
          mine.push(p);
        }
        const expected = model.post(p);
        if (expected === 'applied') appliedSoFar.push(p);
        ops.push({ posting: p, expected });
      }
      // Replays of another writer's earlier events are no-ops only if that event moved money: keep just those.
      const batches: PlannedOp[][] = [];
      for (let i = 0; i < ops.length; i += BATCH) batches.push(ops.slice(i, i + BATCH));
      writers.push(batches);
    }
    rounds.push(writers);
  }
  modelOf.set(seed, model);
  return rounds;
}
const modelOf = new Map<number, Model>();

describe('ledger: 100 000 random movements, concurrent writers, against a model', () => {
  let t: TestDatabase;
  let writers: DbHandle[];
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`insert into organizations (inn, name) select lpad((7700000000 + g)::text, 10, '0'), 'ООО ' || g from generate_series(1, ${ORGANIZATIONS}) g`.execute(t.db);
    writers = Array.from({ length: WRITERS }, (_, i) => createDb(t.url, { maxConnections: 1, applicationName: `${t.name}-w${i}` }));
  });
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await t.drop();
  });

  it('agrees with the model on every outcome and every balance, and applies no key twice', { timeout: 120_000 }, async () => {
    const seed = 20261205;
    const rounds = plan(seed);
    const model = modelOf.get(seed)!;
    let mismatches = 0;
    let posted = 0;
    for (const round of rounds) {
      // A barrier per round: a replay of another writer's event comes after that event was committed.
      await Promise.all(
        round.map(async (batches, w) => {
          for (const batch of batches) {
            const results: LedgerResult[] = await postLedger(writers[w]!.db, batch.map((o) => o.posting));
            results.forEach((r, i) => {
              posted++;
              if (r.status !== batch[i]!.expected) mismatches++;
            });
          }
        }),
      );
    }
    expect(posted).toBe(Math.floor(OPERATIONS / ROUNDS / WRITERS) * ROUNDS * WRITERS);
    expect(mismatches).toBe(0);

    const { rows } = await sql<{ organization_id: number | null; code: string; balance: number; sum: number }>`
      select a.organization_id, a.code, a.balance, coalesce(sum(e.amount), 0)::bigint as sum
        from ledger_accounts a left join ledger_entries e on e.account_id = a.id group by a.id
    `.execute(t.db);
    const actual = new Map(rows.map((r) => [`${r.organization_id ?? 'op'}/${r.code}`, r.sum]));
    const nonZeroModel = [...model.balances].filter(([, v]) => v !== 0);
    expect(Object.fromEntries([...actual].filter(([, v]) => v !== 0))).toEqual(Object.fromEntries(nonZeroModel));
    for (const r of rows) expect(r.balance).toBe(r.sum);

    const { rows: keys } = await sql<{ n: number; distinct_keys: number }>`
      select count(*)::int as n, count(distinct idempotency_key)::int as distinct_keys from ledger_transactions
    `.execute(t.db);
    expect(keys[0]).toEqual({ n: model.applied.size, distinct_keys: model.applied.size });
    expect(await verifyLedger(t.db)).toEqual([]);
  });

  it('lets exactly one of many connections racing on one key move money; the others get its transaction', async () => {
    const posting: LedgerPosting = {
      idempotencyKey: 'race-1',
      reason: 'top_up.card',
      reference: 'payment:race-1',
      organizationId: 1,
      entries: transfer(operatorAccount('clearing.card'), orgAccount(1, 'balance'), 12_345),
    };
    const results = await Promise.all(writers.flatMap((w) => [postOne(w.db, posting), postOne(w.db, posting)]));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ledger_transactions where idempotency_key = 'race-1'`.execute(t.db);
    expect(rows[0]!.n).toBe(1);
  });
});
