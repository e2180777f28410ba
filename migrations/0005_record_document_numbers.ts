// FD numbers and gaps for a whole batch at once: `ofd_record_document_numbers(fns, fds)`.
//
// 0003's ofd_record_document_number(fn, fd) runs three statements per document; the persist worker stores hundreds of
// documents per transaction, so it needs the set-wise version: a fixed handful of statements per batch, whatever its size.
// Both keep the same invariant, so they can be mixed freely: for each fiscal drive, fd_gaps is exactly
// [first_fd, last_fd] minus the FDs received, as maximal ranges. Hence the result does not depend on the order in which
// FDs arrive or are grouped, and recording an FD again changes nothing.
// Unlike 0003, the pieces of a gap split by an arriving FD keep the gap's detected_at (when it was first seen missing).
//
// Locking: fiscal_drives rows of the batch are locked in fn order (collate "C", like every other per-document write),
// and the gaps are computed by later statements, whose fresh snapshots (READ COMMITTED) see whatever the previous lock
// holder committed.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function ofd_record_document_numbers(p_fns text[], p_fds bigint[])
    returns void
    language plpgsql
    as $fn$
    declare
      v_fns text[];
    begin
      if coalesce(array_length(p_fns, 1), 0) <> coalesce(array_length(p_fds, 1), 0) then
        raise exception 'ofd_record_document_numbers: % FN numbers but % FD numbers',
          coalesce(array_length(p_fns, 1), 0), coalesce(array_length(p_fds, 1), 0);
      end if;
      select array_agg(distinct fn collate "C" order by fn collate "C") into v_fns from unnest(p_fns) as t(fn) where fn is not null;
      if v_fns is null then
        return;
      end if;

      insert into fiscal_drives (fn) select unnest(v_fns) order by 1 on conflict (fn) do nothing;
      perform 1 from fiscal_drives where fn = any (v_fns) order by fn for update;

      -- FDs outside [first_fd, last_fd] (or every FD of a drive with none yet): gaps between consecutive points of
      -- {the FDs} ∪ {first_fd, last_fd}. Points inside the old range are left to the split below.
      with batch as (select distinct t.fn collate "C" as fn, t.fd from unnest(p_fns, p_fds) as t(fn, fd) where t.fd is not null)
      insert into fd_gaps (fn, from_fd, to_fd)
      select s.fn, s.a + 1, s.b - 1
        from (
          select p.fn, p.x as a, lead(p.x) over (partition by p.fn order by p.x) as b
            from (
              select b.fn, b.fd as x from batch b
              union
              select f.fn, v.x from fiscal_drives f cross join lateral (values (f.first_fd), (f.last_fd)) as v(x)
               where f.fn = any (v_fns) and v.x is not null
            ) p
        ) s
        join fiscal_drives f on f.fn = s.fn
       where s.b > s.a + 1
         and (f.first_fd is null or s.b <= f.first_fd or s.a >= f.last_fd);

      -- FDs inside a known gap: the gap is replaced by what is left of it.
      with batch as (select distinct t.fn collate "C" as fn, t.fd from unnest(p_fns, p_fds) as t(fn, fd) where t.fd is not null),
      hit as (
        delete from fd_gaps g
         where g.fn = any (v_fns)
           and exists (select 1 from batch b where b.fn = g.fn and b.fd between g.from_fd and g.to_fd)
        returning g.fn, g.from_fd, g.to_fd, g.detected_at
      )
      insert into fd_gaps (fn, from_fd, to_fd, detected_at)
      select s.fn, s.a + 1, s.b - 1, s.detected_at
        from (
          select h.fn, h.detected_at, p.x as a, lead(p.x) over (partition by h.fn, h.from_fd order by p.x) as b
            from hit h
            cross join lateral (
              select h.from_fd - 1 as x
              union
              select b.fd from batch b where b.fn = h.fn and b.fd between h.from_fd and h.to_fd
              union
              select h.to_fd + 1
            ) p
        ) s
       where s.b > s.a + 1;

      update fiscal_drives f
         set first_fd = least(f.first_fd, r.lo), last_fd = greatest(f.last_fd, r.hi), updated_at = now()
        from (select t.fn collate "C" as fn, min(t.fd) as lo, max(t.fd) as hi from unnest(p_fns, p_fds) as t(fn, fd) group by 1) r
       where f.fn = r.fn and (f.first_fd is null or r.lo < f.first_fd or r.hi > f.last_fd);
    end
    $fn$
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ofd_record_document_numbers(text[], bigint[])`.execute(db);
}
