/**
 * The FN and OFD replacement schedule (`fn-schedule`) and the FD gaps (`unsent`). Every FN date and its reason come from
 * src/domain/fn-end-date.ts — the rule the register API and the `fn.expiring` notification use — so the three always
 * name the same day. Rows are sorted by urgency: the nearer of the FN's replace-by date and the OFD service end first.
 */
import { sql } from 'kysely';
import { fnEndDate, type FnDriveFacts } from '../domain/fn-end-date.js';
import { moscowDate, ofdServiceDaysLeft } from '../domain/ofd-service.js';
import { fromArray, placeClause, query, scopeClause, type ReportRow, type Runner } from './report-query.js';

/** fiscal_drives with register_id filled from the drive's shifts when no registration report named the register. */
const drives = sql`(select fd.fn, fd.registered_at, fd.validity_months, fd.key_resource_days, fd.key_resource_reported_at,
    fd.first_fd, fd.last_fd, fd.last_document_at, fd.exhaustion_sign, fd.replace_required_sign, fd.memory_exceeded_sign,
    fd.closed_at, fd.not_transmitted_count,
    coalesce(fd.register_id, (select s.register_id from shifts s
      where s.fn = fd.fn and s.register_id is not null order by s.shift_number desc limit 1)) as register_id
  from fiscal_drives fd)`;

const asText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const asInt = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const asBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(v));

function factsOf(r: ReportRow): FnDriveFacts {
  return {
    registered_at: asText(r.registered_at),
    validity_months: asInt(r.validity_months),
    key_resource_days: asInt(r.key_resource_days),
    key_resource_reported_at: asText(r.key_resource_reported_at),
    last_fd: asInt(r.last_fd),
    last_document_at: asText(r.last_document_at),
    exhaustion_sign: asBool(r.exhaustion_sign),
    replace_required_sign: asBool(r.replace_required_sign),
    memory_exceeded_sign: asBool(r.memory_exceeded_sign),
  };
}

function scheduleRow(r: ReportRow, now: Date): ReportRow {
  const e = fnEndDate(factsOf(r), now);
  const ofdServiceUntil = asText(r.ofd_service_until)?.slice(0, 10) ?? null;
  const ofdDaysLeft = ofdServiceUntil === null ? null : ofdServiceDaysLeft(ofdServiceUntil, now);
  const ofdFirst = ofdServiceUntil !== null && (e.replaceBy === null || ofdServiceUntil < e.replaceBy);
  return {
    registrationNumber: asText(r.registration_number),
    fn: String(r.fn),
    registerId: asInt(r.register_id),
    outletId: asInt(r.outlet_id),
    registeredAt: asText(r.registered_at),
    validityMonths: e.validityMonths,
    validityBasis: e.validityBasis,
    expiresAt: e.validityEndsOn,
    keyResourceEndsOn: e.keyResourceEndsOn,
    lastFd: asInt(r.last_fd),
    fillPercent: e.fillPercent === null ? null : e.fillPercent.toFixed(2),
    fullAt: e.fullOn,
    replaceBy: e.replaceBy,
    reasonCode: e.reason,
    reason: e.reasonText,
    daysLeft: e.daysLeft,
    ofdServiceUntil,
    ofdServiceDaysLeft: ofdDaysLeft,
    /** What comes first, the FN or the OFD service, and when: the timeline's order. */
    nextEvent: ofdFirst ? 'ofd' : e.replaceBy === null ? null : 'fn',
    nextOn: ofdFirst ? ofdServiceUntil : e.replaceBy,
  };
}

export const fnSchedule: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select f.*, g.registration_number, g.outlet_id, o.service_until::text as ofd_service_until
        from ${drives} f join registers g on g.id = f.register_id left join register_document_owners ro on ro.register_id = g.id
          left join ofd_services o on o.register_id = g.id
        -- The organization of the register's documents, not a claim on the register (issue 13, item 5).
        where f.closed_at is null and ${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 'f.register_id', f, 'ro.organization_id')}
        order by f.fn`,
  );
  const now = new Date();
  const out = rows.map((r) => scheduleRow(r, now));
  // By urgency: the nearest date first, those with none last; then by FN for a stable order.
  out.sort((a, b) => {
    const x = (a.nextOn as string | null) ?? '9999-12-31';
    const y = (b.nextOn as string | null) ?? '9999-12-31';
    return x < y ? -1 : x > y ? 1 : String(a.fn) < String(b.fn) ? -1 : 1;
  });
  return {
    name: 'fn-schedule',
    columns: [
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'fn', title: 'ФН', kind: 'text' },
      { key: 'registeredAt', title: 'Регистрация', kind: 'text' },
      { key: 'validityMonths', title: 'Срок, мес', kind: 'int' },
      { key: 'expiresAt', title: 'Окончание срока', kind: 'text' },
      { key: 'keyResourceEndsOn', title: 'Ресурс ключей до', kind: 'text' },
      { key: 'lastFd', title: 'Последний ФД', kind: 'int' },
      { key: 'fillPercent', title: 'Заполнение, %', kind: 'decimal' },
      { key: 'fullAt', title: 'Прогноз заполнения', kind: 'text' },
      { key: 'replaceBy', title: 'Заменить ФН до', kind: 'text' },
      { key: 'reason', title: 'Причина', kind: 'text' },
      { key: 'daysLeft', title: 'Дней до замены ФН', kind: 'int' },
      { key: 'ofdServiceUntil', title: 'Обслуживание ОФД до', kind: 'text' },
      { key: 'ofdServiceDaysLeft', title: 'Дней обслуживания ОФД', kind: 'int' },
    ],
    rows: fromArray(out),
    extra: () => ({ today: moscowDate(now) }),
  };
};

export const unsent: Runner = async (db, f) => {
  const rows = await query(
    db,
    sql`select g.registration_number, f.register_id, f.fn, count(*)::bigint as gaps, sum(x.to_fd - x.from_fd + 1)::bigint as missing,
          min(x.from_fd) as first_missing_fd, to_char(min(x.detected_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since,
          f.not_transmitted_count
        from fd_gaps x join ${drives} f on f.fn = x.fn join registers g on g.id = f.register_id
          left join register_document_owners ro on ro.register_id = g.id
        where ${scopeClause('ro.organization_id', f)} and ${placeClause('g.outlet_id', 'f.register_id', f, 'ro.organization_id')}
        group by 1, 2, 3, 8 order by 1, 3`,
  );
  return {
    name: 'unsent',
    columns: [
      { key: 'registrationNumber', title: 'РН ККТ', kind: 'text' },
      { key: 'fn', title: 'ФН', kind: 'text' },
      { key: 'gaps', title: 'Пропусков', kind: 'int', total: true },
      { key: 'missingDocuments', title: 'Не получено ФД', kind: 'int', total: true },
      { key: 'firstMissingFd', title: 'Первый пропущенный ФД', kind: 'int' },
      { key: 'since', title: 'Обнаружено', kind: 'text' },
      { key: 'notTransmittedCount', title: 'Не передано по данным ФН', kind: 'int' },
    ],
    rows: fromArray(
      rows.map((r) => ({
        registrationNumber: r.registration_number ?? null,
        registerId: r.register_id ?? null,
        fn: r.fn!,
        gaps: r.gaps!,
        missingDocuments: r.missing!,
        firstMissingFd: r.first_missing_fd!,
        since: r.since!,
        notTransmittedCount: r.not_transmitted_count ?? null,
      })),
    ),
  };
};
