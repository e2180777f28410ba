// The shifts of a report's filter, read in pages (the «shifts» and «z-report» reports).
import { sql } from 'kysely';
import { periodClause, placeClause, query, scopeClause, type Db, type ReportFilter, type ReportRow } from './report-query.js';

const SHIFT_PAGE = 2000;

/** Of the filter: the shift's own conditions (`s`: shifts), and whose register it is (`g` registers, `ro` its owner). */
const shiftPeriod = (f: ReportFilter, closedOnly: boolean) => sql`${periodClause('s.opened_at', f)} ${closedOnly ? sql`and s.close_fd is not null` : sql``}`;
const shiftPlace = (f: ReportFilter) => sql`${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 's.register_id', f, 'ro.organization_id')}`;
const SHIFT_REGISTER = sql`join registers g on g.id = s.register_id left join register_document_owners ro on ro.register_id = g.id`;

/**
 * The FNs of the filter's shifts in list order, grouped so that each group holds about a page of shifts (a group is at
 * least one FN). One pass over the organization's registers: an index-only scan of shifts (register_id, opened_at)
 * including fn and close_fd (migration 0051).
 */
async function shiftGroups(db: Db, f: ReportFilter, closedOnly: boolean): Promise<string[][]> {
  const counts = await query(
    db,
    sql`select s.fn, count(*)::int as n from shifts s ${SHIFT_REGISTER} where ${shiftPlace(f)} and ${shiftPeriod(f, closedOnly)}
        group by s.fn order by s.fn`,
  );
  const groups: string[][] = [];
  let group: string[] = [];
  let size = 0;
  for (const c of counts) {
    if (group.length > 0 && size + Number(c.n) > SHIFT_PAGE) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(String(c.fn));
    size += Number(c.n);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * Shifts in pages by (fn, shift_number): the list can be long (100 000+), memory stays flat. Each page is one group of
 * FNs from shiftGroups, read through the primary key (`fn = any(…)`, in a materialized CTE so that the planner cannot
 * go through the registers' index instead), so the whole list costs one pass over its shifts. (A keyset query per
 * page over the organization's registers read ALL their shifts of the period for every page and sorted them for the
 * next 2 000: 18 250 shifts of a year × 10 pages, 1.5–3.4 s on the benchmark's million receipts.) A group that grew
 * past a page since it was counted pages on by keyset within it; an FN that appeared since is left out, as if the
 * report had run a moment earlier.
 */
export async function* shiftPages(db: Db, f: ReportFilter, closedOnly: boolean): AsyncIterable<ReportRow> {
  for (const fns of await shiftGroups(db, f, closedOnly)) {
    let after: [string, number] | undefined;
    for (;;) {
      const rows = await query(
        db,
        sql`with s as materialized (
              select * from shifts s where s.fn = any(${fns}::text[]) and ${shiftPeriod(f, closedOnly)}
                ${after ? sql`and (s.fn, s.shift_number) > (${after[0]}, ${after[1]})` : sql``})
            select s.fn, s.shift_number, g.registration_number, ro.organization_id, g.outlet_id, s.register_id,
              s.opened_at, s.closed_at, s.open_fd, s.close_fd,
              extract(epoch from (s.closed_at - s.opened_at))::bigint as duration_s,
              s.receipts_quantity, s.documents_quantity, s.not_transmitted_count, s.closing_counters,
              s.received_receipts, s.sell_total_sum, s.sell_return_total_sum, s.buy_total_sum, s.buy_return_total_sum
            from s ${SHIFT_REGISTER}
            where ${shiftPlace(f)}
            order by s.fn, s.shift_number limit ${SHIFT_PAGE}`,
      );
      for (const r of rows) yield r;
      const last = rows.at(-1);
      if (rows.length < SHIFT_PAGE || !last) break;
      after = [String(last.fn), Number(last.shift_number)];
    }
  }
}
