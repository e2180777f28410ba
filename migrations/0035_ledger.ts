// The money ledger (issue 17): double entry, integer units, append-only.
//
// ledger_account_kinds: the chart of accounts as data — what each account code counts (unit RUB = kopecks, SMS = SMS
//   messages, CODE = activation codes), whether it belongs to an organization or to the operator, and its overdraft rule
//   (min_balance: the lowest balance allowed; null = unbounded, for the operator's side of every movement).
// ledger_accounts: one row per (organization, code) or per operator code (organization_id null), created on first use.
//   `balance` is a cache of the sum of its entries, changed only by ledger_post_batch() in the same transaction as the
//   entries, and bounded by the kind's min_balance through a CHECK (an overdraft fails the posting, never clamps).
// ledger_transactions: one per movement, with its reason, a reference (what it is about: a payment, a register, a
//   purchase) and an idempotency key (unique): a replay of the same key returns the first transaction and moves nothing.
//   request_hash tells a true replay from a different request that reuses a key.
// ledger_entries: the movement itself; the entries of a transaction sum to zero per unit (checked by the function).
// Transactions and entries are append-only (a trigger refuses update and delete): a correction is a new transaction.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_account_kinds (
      code text primary key,
      unit text not null check (unit in ('RUB', 'SMS', 'CODE')),
      owner text not null check (owner in ('organization', 'operator')),
      min_balance bigint,
      title text not null
    )
  `.execute(db);
  await sql`
    insert into ledger_account_kinds (code, unit, owner, min_balance, title) values
      ('balance', 'RUB', 'organization', 0, 'Лицевой счёт'),
      ('sms', 'SMS', 'organization', 0, 'Пакет SMS'),
      ('sms_postpaid', 'SMS', 'organization', null, 'SMS в кредит (постоплата)'),
      ('activation_codes', 'CODE', 'organization', 0, 'Коды активации'),
      ('revenue.ofd', 'RUB', 'operator', null, 'Выручка: обслуживание ОФД'),
      ('revenue.sms', 'RUB', 'operator', null, 'Выручка: SMS'),
      ('revenue.codes', 'RUB', 'operator', null, 'Выручка: коды активации'),
      ('revenue.services', 'RUB', 'operator', null, 'Выручка: прочие услуги'),
      ('clearing.card', 'RUB', 'operator', null, 'Расчёты с платёжным провайдером'),
      ('clearing.bank', 'RUB', 'operator', null, 'Расчёты по банковским переводам'),
      ('adjustments', 'RUB', 'operator', null, 'Корректировки оператора'),
      ('sms.issued', 'SMS', 'operator', null, 'SMS выданные'),
      ('sms.sent', 'SMS', 'operator', null, 'SMS отправленные'),
      ('codes.issued', 'CODE', 'operator', null, 'Коды выданные'),
      ('codes.applied', 'CODE', 'operator', null, 'Коды применённые')
  `.execute(db);

  await sql`
    create table ledger_accounts (
      id bigint generated always as identity primary key,
      organization_id bigint references organizations (id) on delete restrict,
      code text not null references ledger_account_kinds (code),
      unit text not null,
      min_balance bigint,
      balance bigint not null default 0,
      created_at timestamptz not null default now(),
      constraint ledger_accounts_min_balance check (min_balance is null or balance >= min_balance),
      constraint ledger_accounts_owner_code unique nulls not distinct (organization_id, code)
    )
  `.execute(db);

  await sql`
    create table ledger_transactions (
      id bigint generated always as identity primary key,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      request_hash text not null,
      reason text not null,
      reference text not null,
      organization_id bigint references organizations (id) on delete restrict,
      posted_at timestamptz not null default now(),
      constraint ledger_transactions_idempotency_key unique (idempotency_key)
    )
  `.execute(db);
  await sql`create index ledger_transactions_organization_idx on ledger_transactions (organization_id, id)`.execute(db);

  await sql`
    create table ledger_entries (
      id bigint generated always as identity primary key,
      transaction_id bigint not null references ledger_transactions (id),
      account_id bigint not null references ledger_accounts (id),
      amount bigint not null check (amount <> 0)
    )
  `.execute(db);
  await sql`create index ledger_entries_transaction_idx on ledger_entries (transaction_id)`.execute(db);
  await sql`create index ledger_entries_account_idx on ledger_entries (account_id, transaction_id)`.execute(db);

  await sql`
    create function ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger % rows are append-only', tg_table_name using errcode = 'P0001';
    end $$
  `.execute(db);
  for (const table of ['ledger_transactions', 'ledger_entries']) {
    await sql`
      create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.raw(table)}
        for each row execute function ledger_append_only()
    `.execute(db);
  }

  // The cached balance moves only with its entries: ledger_post_batch() opens the gate for its own update alone.
  await sql`
    create function ledger_accounts_guard() returns trigger language plpgsql as $$
    begin
      if new.balance <> old.balance and coalesce(current_setting('ledger.posting', true), '') <> 'on' then
        raise exception 'ledger_accounts.balance is changed only by ledger_post_batch()' using errcode = 'P0001';
      end if;
      return new;
    end $$
  `.execute(db);
  await sql`
    create trigger ledger_accounts_guard before update on ledger_accounts
      for each row execute function ledger_accounts_guard()
  `.execute(db);

  await sql.raw(POST_BATCH).execute(db);
}

// One call posts a batch of transactions in the caller's database transaction. Input: a JSON array of
//   { key, hash, reason, reference, organizationId, entries: [{ organizationId, code, amount }] }
// (an entry's organizationId is null for operator accounts). Output: a JSON array, one per input, in order:
//   { status: 'applied' | 'duplicate' | 'conflict' | 'rejected', transactionId?, code? }.
// Every account the batch touches is created if missing, then locked in id order and loaded once, so concurrent
// batches never deadlock on the operator's hot accounts. The batch is then decided in memory, in order (a movement
// that would take a bounded account below its minimum is rejected alone, INSUFFICIENT_FUNDS, and the batch goes on),
// and written with one insert per table and one update of the balances. A key another session inserted meanwhile
// (not yet visible when the batch started) fails the call with 40001, to be run again. An unbalanced movement or an
// account code that does not fit its owner is a programming error and fails the whole call.
const POST_BATCH = `
create function ledger_post_batch(ops jsonb) returns jsonb language plpgsql as $fn$
declare
  ids bigint[]; names text[]; units text[]; mins bigint[]; bals bigint[];
  idx jsonb; existing jsonb; tx_ids jsonb;
  seen jsonb := '{}';
  results jsonb[] := '{}';
  acc_ord bigint[] := '{}';
  e_key text[] := '{}'; e_acc bigint[] := '{}'; e_amt bigint[] := '{}';
  op jsonb; e jsonb; ord bigint; k text; h text; i int; n0 int; n_ins int; amt bigint;
  unit_sums jsonb; touched int[]; ok boolean; bad text;
begin
  if jsonb_array_length(ops) = 0 then return '[]'::jsonb; end if;
  select string_agg(distinct en->>'code', ',') into bad
    from jsonb_array_elements(ops) o, jsonb_array_elements(o->'entries') en
    left join ledger_account_kinds ak on ak.code = en->>'code'
   where ak.code is null or (ak.owner = 'operator') <> (en->>'organizationId' is null);
  if bad is not null then
    raise exception 'LEDGER_BAD_ACCOUNT: %', bad using errcode = 'P0001';
  end if;
  insert into ledger_accounts (organization_id, code, unit, min_balance)
  select distinct (en->>'organizationId')::bigint, en->>'code', ak.unit, ak.min_balance
    from jsonb_array_elements(ops) o, jsonb_array_elements(o->'entries') en
    join ledger_account_kinds ak on ak.code = en->>'code'
  on conflict on constraint ledger_accounts_owner_code do nothing;

  select array_agg(a.id), array_agg(coalesce(a.organization_id::text, '') || '/' || a.code), array_agg(a.unit),
         array_agg(a.min_balance), array_agg(a.balance)
    into ids, names, units, mins, bals
    from (select * from ledger_accounts
           where (organization_id, code) in (
                   select distinct (en->>'organizationId')::bigint, en->>'code'
                     from jsonb_array_elements(ops) o, jsonb_array_elements(o->'entries') en)
              or (organization_id is null and code in (
                   select en->>'code' from jsonb_array_elements(ops) o, jsonb_array_elements(o->'entries') en
                    where en->>'organizationId' is null))
           order by id for update) a;
  select jsonb_object_agg(names[n], n) into idx from generate_subscripts(names, 1) n;
  select coalesce(jsonb_object_agg(idempotency_key, jsonb_build_array(id, request_hash)), '{}') into existing
    from ledger_transactions where idempotency_key in (select o->>'key' from jsonb_array_elements(ops) o);

  for op, ord in select value, ordinality from jsonb_array_elements(ops) with ordinality loop
    k := op->>'key';
    h := op->>'hash';
    if existing ? k then
      results := results || jsonb_build_object('status', case when existing->k->>1 = h then 'duplicate' else 'conflict' end,
                                                'transactionId', (existing->k->>0)::bigint);
      continue;
    end if;
    if seen ? k then
      results := results || jsonb_build_object('status', case when seen->>k = h then 'duplicate' else 'conflict' end, 'key', k);
      continue;
    end if;
    unit_sums := '{}';
    touched := '{}';
    n0 := cardinality(e_key);
    for e in select value from jsonb_array_elements(op->'entries') loop
      i := (idx->>(coalesce(e->>'organizationId', '') || '/' || (e->>'code')))::int;
      amt := (e->>'amount')::bigint;
      bals[i] := bals[i] + amt;
      touched := touched || i;
      unit_sums := unit_sums || jsonb_build_object(units[i], coalesce((unit_sums->>units[i])::bigint, 0) + amt);
      e_key := e_key || k; e_acc := e_acc || ids[i]; e_amt := e_amt || amt;
    end loop;
    select string_agg(key, ',') into bad from jsonb_each_text(unit_sums) where value::bigint <> 0;
    if bad is not null or cardinality(touched) < 2 then
      raise exception 'LEDGER_UNBALANCED: % (%)', k, coalesce(bad, 'fewer than two entries') using errcode = 'P0001';
    end if;
    ok := true;
    foreach i in array touched loop
      if mins[i] is not null and bals[i] < mins[i] then ok := false; end if;
    end loop;
    if not ok then
      for n in n0 + 1 .. cardinality(e_key) loop
        i := array_position(ids, e_acc[n]);
        bals[i] := bals[i] - e_amt[n];
      end loop;
      e_key := e_key[1:n0]; e_acc := e_acc[1:n0]; e_amt := e_amt[1:n0];
      results := results || jsonb_build_object('status', 'rejected', 'code', 'INSUFFICIENT_FUNDS');
      continue;
    end if;
    seen := seen || jsonb_build_object(k, h);
    acc_ord := acc_ord || ord;
    results := results || jsonb_build_object('status', 'applied', 'key', k);
  end loop;

  with ins as (
    insert into ledger_transactions (idempotency_key, request_hash, reason, reference, organization_id)
    select o->>'key', o->>'hash', o->>'reason', o->>'reference', (o->>'organizationId')::bigint
      from jsonb_array_elements(ops) with ordinality x(o, ord) where x.ord = any (acc_ord) order by x.ord
    on conflict on constraint ledger_transactions_idempotency_key do nothing
    returning id, idempotency_key)
  select coalesce(jsonb_object_agg(idempotency_key, id), '{}'), count(*) into tx_ids, n_ins from ins;
  if n_ins <> cardinality(acc_ord) then
    raise exception 'LEDGER_KEY_RACE: a key of this batch was posted concurrently' using errcode = '40001';
  end if;
  insert into ledger_entries (transaction_id, account_id, amount)
  select (tx_ids->>u.ekey)::bigint, u.eacc, u.eamt from unnest(e_key, e_acc, e_amt) u(ekey, eacc, eamt);
  perform set_config('ledger.posting', 'on', true);
  update ledger_accounts a set balance = u.b from unnest(ids, bals) u(id, b) where a.id = u.id and a.balance <> u.b;
  perform set_config('ledger.posting', '', true);

  return (select jsonb_agg(case when r ? 'key' then (r - 'key') || jsonb_build_object('transactionId', (tx_ids->>(r->>'key'))::bigint) else r end
                           order by n)
            from unnest(results) with ordinality t(r, n));
end
$fn$`;

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists ledger_post_batch(jsonb)`.execute(db);
  await sql`drop table if exists ledger_entries`.execute(db);
  await sql`drop table if exists ledger_transactions`.execute(db);
  await sql`drop function if exists ledger_append_only()`.execute(db);
  await sql`drop table if exists ledger_accounts`.execute(db);
  await sql`drop function if exists ledger_accounts_guard()`.execute(db);
  await sql`drop table if exists ledger_account_kinds`.execute(db);
}
