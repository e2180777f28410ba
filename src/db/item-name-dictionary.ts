/**
 * Receipt item names by id (migration 0070): a document stores its items' ids (documents.item_name_ids), the text once
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
 * A documents row's item names, whichever way it stores them (ids since migration 0070, the names before): select this
 * where a reader wants `item_names`. `alias`: the documents table's alias in the query.
 */
export function storedItemNames(alias: string): RawBuilder<(string | null)[] | null> {
  return sql<(string | null)[] | null>`ofd_item_names(${sql.ref(`${alias}.item_name_ids`)}, ${sql.ref(`${alias}.item_names`)})`;
}

/**
 * The documents row (`alias`) has an item whose name matches the ILIKE `pattern`; rows stored before migration 0070 are
 * searched by their names. With the caller's organizations (`inns`, which the query also restricts the rows to), the
 * pattern is looked up once among their names — an assortment: a short list of ids — and each row's ids are compared
 * with it. Over every organization (the operator), each row's names are looked up by id instead (≈ 7 µs a row), as
 * a pattern may match more names across all organizations than a per-row comparison can afford.
 */
export function itemNameMatches(alias: string, pattern: string, inns: 'all' | readonly string[]): RawBuilder<SqlBool> {
  const ids = sql.ref(`${alias}.item_name_ids`);
  const names = sql.ref(`${alias}.item_names`);
  const byId =
    inns === 'all'
      ? sql`exists (select 1 from unnest(${ids}) as u(id) join item_name_dictionary n on n.id = u.id where n.name ilike ${pattern})`
      : sql`${ids} && array(select id from item_name_dictionary where user_inn = any(${[...inns]}::text[]) and name ilike ${pattern})`;
  return sql<SqlBool>`(${byId} or exists (select 1 from unnest(${names}) as n(name) where n.name ilike ${pattern}))`;
}
