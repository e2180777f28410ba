// Gaps in the FD numbers received per fiscal drive, as ranges: the cabinet lists them as "documents not received yet".
//
// A gap is a range [from_fd, to_fd] above the lowest FD received (fiscal_drives.first_fd) and below the highest
// (fiscal_drives.last_fd) that no stored document has. `ofd_record_document_number(fn, fd)` keeps first_fd, last_fd and
// the gaps right for one received FD; it is idempotent (a duplicate changes nothing), so the persist worker may call it
// for every copy. It locks the fiscal_drives row: callers that record several FDs in one transaction should do so in
// (fn, fd) order, like every other per-document write, so concurrent batches cannot deadlock.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fd_gaps')
    .addColumn('fn', 'text', (col) => col.modifyFront(sql`collate "C"`).notNull().references('fiscal_drives.fn').onDelete('cascade'))
    .addColumn('from_fd', 'bigint', (col) => col.notNull())
    .addColumn('to_fd', 'bigint', (col) => col.notNull())
    .addColumn('detected_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('fd_gaps_pkey', ['fn', 'from_fd'])
    .addCheckConstraint('fd_gaps_range_check', sql`0 <= from_fd and from_fd <= to_fd`)
    .execute();

  await sql`
    create function ofd_record_document_number(p_fn text, p_fd bigint)
    returns void
    language plpgsql
    as $fn$
    declare
      v_first bigint;
      v_last bigint;
      v_gap_from bigint;
      v_gap_to bigint;
    begin
      insert into fiscal_drives (fn, first_fd, last_fd) values (p_fn, p_fd, p_fd) on conflict (fn) do nothing;
      if found then
        return;
      end if;
      select first_fd, last_fd into v_first, v_last from fiscal_drives where fn = p_fn for update;
      if v_last is null then
        update fiscal_drives set first_fd = p_fd, last_fd = p_fd, updated_at = now() where fn = p_fn;
      elsif p_fd > v_last then
        if p_fd > v_last + 1 then
          insert into fd_gaps (fn, from_fd, to_fd) values (p_fn, v_last + 1, p_fd - 1);
        end if;
        update fiscal_drives set last_fd = p_fd, updated_at = now() where fn = p_fn;
      elsif p_fd < v_first then
        if p_fd < v_first - 1 then
          insert into fd_gaps (fn, from_fd, to_fd) values (p_fn, p_fd + 1, v_first - 1);
        end if;
        update fiscal_drives set first_fd = p_fd, updated_at = now() where fn = p_fn;
      else
        delete from fd_gaps
          where fn = p_fn and from_fd = (select max(g.from_fd) from fd_gaps g where g.fn = p_fn and g.from_fd <= p_fd)
            and to_fd >= p_fd
          returning from_fd, to_fd into v_gap_from, v_gap_to;
        if v_gap_from is not null then
          if v_gap_from < p_fd then
            insert into fd_gaps (fn, from_fd, to_fd) values (p_fn, v_gap_from, p_fd - 1);
          end if;
          if p_fd < v_gap_to then
            insert into fd_gaps (fn, from_fd, to_fd) values (p_fn, p_fd + 1, v_gap_to);
          end if;
        end if;
      end if;
    end
    $fn$
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ofd_record_document_number(text, bigint)`.execute(db);
  await db.schema.dropTable('fd_gaps').execute();
}
