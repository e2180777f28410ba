/**
 * PostgreSQL array literals for `unnest($1::bigint[], …)` parameters: one parameter per column carries a whole batch.
 * node-postgres would build the same text from a JS array, but slower (a prepareValue call and two regex replaces per
 * element); on the worker's hot path that is a few hundred thousand elements a second.
 */

export type ArrayElement = string | number | boolean | null | undefined;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

/** `{1,NULL,"a \"b\""}`: numbers as they print, strings always quoted (so 'NULL' stays a string), null/undefined NULL. */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'string') parts[i] = NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPE, '\\$&')}"` : `"${v}"`;
    else if (typeof v === 'number') parts[i] = String(v);
    else parts[i] = v ? 't' : 'f';
  }
  return `{${parts.join(',')}}`;
}

/** A column of a batch: its name and the PostgreSQL element type of its array parameter. */
export interface ArrayColumn<R> {
  readonly name: keyof R & string;
  readonly type: string;
}

/** One array literal per column, in the columns' order. */
export function columnArrays<R>(rows: readonly R[], columns: readonly ArrayColumn<R>[]): string[] {
  return columns.map(({ name }) => arrayLiteral(rows.map((r) => r[name] as ArrayElement)));
}

/** `unnest($<first>::text[], $<first+1>::bigint[], …) as <alias>(name, …)` for those columns. */
export function unnestSql(columns: readonly { readonly name: string; readonly type: string }[], first: number, alias: string, withOrdinality = false): string {
  const args = columns.map((c, i) => `$${first + i}::${c.type}[]`).join(', ');
  const names = columns.map((c) => c.name);
  return `unnest(${args})${withOrdinality ? ' with ordinality' : ''} as ${alias}(${[...names, ...(withOrdinality ? ['ord'] : [])].join(', ')})`;
}
