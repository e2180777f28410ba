/**
 * Receipt item names by id (migration 0070): a document stores its items' ids (documents.item_name_id_chars since 0083,
 * one character each: item-name-id-chars.ts; item_name_ids before), the text once
 * per organization (user_inn) in item_name_dictionary.
 *
 * The persist worker resolves ids BEFORE the transaction that stores the documents, by statements of their own that
 * commit at once: a name the dictionary gains stays there whatever becomes of the batch (a name nothing refers to costs
 * one row, and only after a crash), and no worker's transaction holds a new name's lock while others wait for it. A
 * reprocess batch resolves them inside its transaction (its documents are locked and decoded there) and keeps them in
 * memory only after its commit. Either way an id cached names a committed row for good (rows are never updated nor
 * deleted), and a worker that has seen a batch's names runs no statement for it.
 */
import { CompiledQuery, sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { MAX_ITEM_NAME_ID_CHAR, itemNameIdChar } from './item-name-id-chars.js';

/** An item name of an organization: the document's user_inn ('' when it has none) and the name (1030). */
export interface ItemName {
  readonly inn: string;
  readonly name: string;
}

/** The names' ids, by itemNameKey; every name given is in it. */
export type ItemNameIds = ReadonlyMap<string, number>;

export const itemNameKey = (inn: string, name: string): string => `${inn}\u0000${name}`;

const SELECT = `select d.id, d.user_inn as inn, d.name from item_name_dictionary d
  join unnest($1::text[], $2::text[]) as t(inn, name) on d.user_inn = t.inn collate "C" and d.name = t.name`;
// Sorted: two workers adding overlapping names wait for each other in one order, never in a cycle.
const INSERT = `insert into item_name_dictionary (user_inn, name)
  select inn, name from unnest($1::text[], $2::text[]) as t(inn, name) order by inn collate "C", name
  on conflict (user_inn, name) do nothing returning id, user_inn as inn, name`;

/** A name a concurrent insert holds gets seen by the select after it commits: a few rounds at most. */
const MAX_ROUNDS = 5;

export class ItemNameDictionaryError extends Error {
  readonly code = 'ITEM_NAMES_UNRESOLVED';
}

export class ItemNameDictionary {
  private readonly known = new Map<string, number>();

  /** `capacity`: names kept in memory (then the cache starts over: many shops' assortments fit). */
  constructor(private readonly capacity = 200_000) {}

  /**
   * The ids of `names` (duplicates and order do not matter), adding the names the dictionary lacks. Given a transaction
   * (`remember: false`), the ids it adds may still roll back with it: they are kept in memory only when the caller
   * passes them to `remember` after the commit.
   */
  async idsOf(db: Kysely<Database>, names: Iterable<ItemName>, options: { remember?: boolean } = {}): Promise<ItemNameIds> {
    const keep = options.remember ?? true;
    const ids = new Map<string, number>();
    const unknown = new Map<string, ItemName>();
    for (const n of names) {
      const key = itemNameKey(n.inn, n.name);
      const id = this.known.get(key);
      if (id === undefined) unknown.set(key, n);
      else ids.set(key, id);
    }
    let missing = [...unknown.values()];
    for (let round = 0; missing.length > 0; round += 1) {
      if (round === MAX_ROUNDS) throw new ItemNameDictionaryError(`${missing.length} item names got no id after ${MAX_ROUNDS} rounds`);
      for (const statement of [SELECT, INSERT]) {
        if (missing.length === 0) break;
        const parameters = [missing.map((n) => n.inn), missing.map((n) => n.name)];
        const { rows } = await db.executeQuery<{ id: number; inn: string; name: string }>(CompiledQuery.raw(statement, parameters));
        for (const r of rows) {
          const key = itemNameKey(r.inn, r.name);
          ids.set(key, r.id);
          if (keep) this.keep(key, r.id);
        }
        missing = missing.filter((n) => !ids.has(itemNameKey(n.inn, n.name)));
      }
    }
    return ids;
  }

  /** The ids `names` already have, adding none (a name the dictionary lacks is left out); nothing cached. */
  static async existingIdsOf(db: Kysely<Database>, names: readonly ItemName[]): Promise<ItemNameIds> {
    const ids = new Map<string, number>();
    if (names.length === 0) return ids;
    const parameters = [names.map((n) => n.inn), names.map((n) => n.name)];
    const { rows } = await db.executeQuery<{ id: number; inn: string; name: string }>(CompiledQuery.raw(SELECT, parameters));
    for (const r of rows) ids.set(itemNameKey(r.inn, r.name), r.id);
    return ids;
  }

  /** Ids from `idsOf(…, { remember: false })`, once the transaction that resolved them has committed. */
  remember(ids: ItemNameIds): void {
    for (const [key, id] of ids) this.keep(key, id);
  }

  private keep(key: string, id: number): void {
    if (this.known.size >= this.capacity) this.known.clear();
    this.known.set(key, id);
  }
}

/**
 * An item name's id among `ids` (from idsOf or existingIdsOf over the same names); null for an item without a name.
 * Throws ITEM_NAMES_UNRESOLVED for a name `ids` lacks: storing or counting the item without its name would lose it.
 */
export function itemNameIdOf(ids: ItemNameIds, inn: string | null, name: string | null): number | null {
  if (name === null) return null;
  const id = ids.get(itemNameKey(inn ?? '', name));
  if (id === undefined) {
    throw new ItemNameDictionaryError(`no item_name_dictionary id for the item name ${JSON.stringify(name)} of INN ${JSON.stringify(inn ?? '')}`);
  }
  return id;
}

/** The distinct named items of these documents (an item without a name has no id). */
export function itemNamesOf(docs: Iterable<{ readonly inn: string | null; readonly items: Iterable<{ readonly name: string | null }> }>): ItemName[] {
  const names = new Map<string, ItemName>();
  for (const d of docs) {
    const inn = d.inn ?? '';
    for (const item of d.items) if (item.name !== null) names.set(itemNameKey(inn, item.name), { inn, name: item.name });
  }
  return [...names.values()];
}

/**
 * A documents row's item names, whichever way it stores them (one character per id since migration 0083, an integer
 * array of ids since 0070, the names before): select this where a reader wants `item_names`. `alias`: the documents
 * table's alias in the query.
 */
export function storedItemNames(alias: string): RawBuilder<(string | null)[] | null> {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return sql<(string | null)[] | null>`ofd_item_names(${column('item_name_id_chars')}, ${column('item_name_ids')}, ${column('item_names')})`;
}

/**
 * The most names one regular expression's bracket holds: PostgreSQL compiles a bracket of 3 000 characters in ≈ 5 ms,
 * of 10 000 in ≈ 0.2 s, of 100 000 in seconds. A pattern matching more is tested against each row's ids by index.
 */
export const MAX_BRACKET = 3000;

/** The most matched ids an integer-array row (migrations 0070–0082) is compared with by `&&`. */
const MAX_OVERLAP = 200;

/** An item filter's pattern, looked up once among the names in scope: what itemNameMatches tests rows by. */
export interface ItemNameMatcher {
  /** The ILIKE pattern. */
  readonly pattern: string;
  /** The ids of the names it matches, or 'many' past MAX_BRACKET. */
  readonly ids: readonly number[] | 'many';
}

/**
 * Looks the ILIKE `pattern` up among the names of the caller's organizations (`inns`, to which the query also
 * restricts the rows: an assortment, a short list) or of every organization (the operator), once per query.
 */
export async function itemNameMatcher(db: Kysely<Database>, pattern: string, inns: 'all' | readonly string[]): Promise<ItemNameMatcher> {
  const scope = inns === 'all' ? sql`true` : sql`user_inn = any(${[...inns]}::text[])`;
  const { rows } = await sql<{ id: number }>`
    select id from item_name_dictionary where ${scope} and name ilike ${pattern} limit ${MAX_BRACKET + 1}`.execute(db);
  return { pattern, ids: rows.length > MAX_BRACKET ? 'many' : rows.map((r) => r.id) };
}

/**
 * Runs `query` with the matcher of the ILIKE `pattern` (itemNameMatcher), both in one snapshot: the persist worker
 * commits a new name before the document that has it, so a document the query sees has its names in the lookup.
 */
export async function withItemNameMatcher<T>(
  db: Kysely<Database>,
  pattern: string,
  inns: 'all' | readonly string[],
  query: (db: Kysely<Database>, m: ItemNameMatcher) => Promise<T>,
): Promise<T> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => query(trx, await itemNameMatcher(trx, pattern, inns)));
}

/**
 * The documents row (`alias`) has an item whose name matches the matcher's pattern, however the row stores its names:
 * - its id characters (since migration 0083): one regular expression, a bracket of the matched names' characters
 *   (≈ 0.2 µs a row); UTF-8 keeps every character whole, so only a whole id matches;
 * - its id array (0070–0082, or an id past a character's reach): `&&` with the matched ids, or past MAX_OVERLAP of
 *   them a lookup of its own ids;
 * - past MAX_BRACKET matched names, either is tested by looking the row's ids up (ofd_item_names_match, ≈ 7 µs a row);
 * - its names (before 0070): the pattern itself.
 * Everything but the names is decided by parameters, not sub-selects: the planner's estimate stays that of a cheap
 * filter (a per-row lookup written out would turn JIT compilation on for every filtered list).
 */
export function itemNameMatches(alias: string, m: ItemNameMatcher): RawBuilder<SqlBool> {
  const chars = sql.ref(`${alias}.item_name_id_chars`);
  const ids = sql.ref(`${alias}.item_name_ids`);
  const names = sql.ref(`${alias}.item_names`);
  const tests: RawBuilder<unknown>[] = [];
  if (m.ids === 'many') tests.push(sql`ofd_item_names_match(${chars}, ${ids}, ${m.pattern})`);
  else if (m.ids.length > 0) {
    const inReach = m.ids.filter((id) => id <= MAX_ITEM_NAME_ID_CHAR);
    if (inReach.length > 0) tests.push(sql`${chars} ~ ${`[${inReach.map(itemNameIdChar).join('')}]`}`);
    // `&&` compares every pair (8 items × n ids a row): past MAX_OVERLAP ids, a lookup of the row's few ids is cheaper.
    tests.push(
      m.ids.length <= MAX_OVERLAP
        ? sql`${ids} && ${[...m.ids]}::integer[]`
        : sql`(${ids} is not null and ofd_item_names_match(null, ${ids}, ${m.pattern}))`,
    );
  }
  tests.push(sql`(${names} is not null and exists (select 1 from unnest(${names}) as n(name) where n.name ilike ${m.pattern}))`);
  return sql<SqlBool>`(${sql.join(tests, sql` or `)})`;
}
