/**
 * «Выгрузки» (issue 15): an organization's export settings turn into export jobs —
 *   shift_closed  on each `shift.closed` event (a shift-closing report, form 5, persisted) of the chosen registers;
 *   daily         for yesterday (Moscow calendar), once the day is over;
 *   monthly       for last month, once it is over.
 * Every job is inserted `on conflict (setting_id, period_key) do nothing`: the period key (`shift:<fn>:<n>`,
 * `day:YYYY-MM-DD`, `month:YYYY-MM`) makes a job exactly once per shift or period however often an event is seen —
 * a re-scan after a restart, two notify workers, the scan's overlap.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../db/column-types.js';
import type { Database } from '../db/database.js';
import {
  closingReportsForExport,
  enabledExportSettings,
  insertScheduledExportJob,
  ownerAndAdminEmails,
  shiftOpenedAt,
  type ExportSettingRow as SettingRow,
} from '../db/export-settings.repository.js';
import { moscowDate } from '../domain/ofd-service.js';

type Db = Kysely<Database>;

/** What a `shift.closed` event says (notify-webhooks.ts builds it from the persisted closing report). */
export interface ShiftClosedEvent {
  readonly organizationId: number;
  readonly fn: string;
  readonly fd: number;
  readonly shiftNumber: number | null;
  readonly registerId: number | null;
  readonly registrationNumber: string | null;
  /** The closing report's local time. */
  readonly dateTime: string | null;
  /** When it was stored: a setting made after that does not export the shift retroactively. */
  readonly persistedAt?: Date;
}

const CONTENT_TITLES: Record<string, string> = { receipt_items: 'Чеки с предметами расчёта', shift_summary: 'Сводка по сменам' };

/** Recipients: the setting's, else the organization's active owners and admins. */
async function recipients(db: Db, s: SettingRow): Promise<string[]> {
  if (s.emails.length > 0) return s.emails;
  return ownerAndAdminEmails(db, s.organization_id);
}

async function insertJob(db: Db, s: SettingRow, periodKey: string, filters: JsonObject, title: string): Promise<number | undefined> {
  const emails = await recipients(db, s);
  return insertScheduledExportJob(db, s, { periodKey, filters, title, emails });
}

const settingsOf = enabledExportSettings;

const wants = (s: SettingRow, registerId: number | null) => s.register_ids === null || (registerId !== null && s.register_ids.map(Number).includes(registerId));

/** Jobs for the shift.closed events; returns the ids of the jobs newly made. */
export async function scheduleShiftExports(db: Db, events: readonly ShiftClosedEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const settings = await settingsOf(db, 'shift_closed', [...new Set(events.map((e) => e.organizationId))]);
  const made: number[] = [];
  for (const e of events) {
    if (e.shiftNumber === null) continue;
    const applies = (x: SettingRow) => x.organization_id === e.organizationId && wants(x, e.registerId) && !(e.persistedAt && x.created_at > e.persistedAt);
    for (const s of settings.filter(applies)) {
      // The shift's receipts: this FN, from the shift's opening report to its closing one.
      const openedAt = await shiftOpenedAt(db, e.fn, e.shiftNumber);
      const filters: JsonObject = { fn: e.fn, shiftNumber: e.shiftNumber, form: 3 };
      if (s.content === 'shift_summary') delete filters['form'];
      if (openedAt) filters['dateFrom'] = openedAt;
      if (e.dateTime) filters['dateTo'] = e.dateTime;
      if (e.registerId !== null) filters['registerId'] = e.registerId;
      const title = `${CONTENT_TITLES[s.content] ?? s.content}: смена ${e.shiftNumber}, ККТ ${e.registrationNumber ?? e.fn}`;
      const id = await insertJob(db, s, `shift:${e.fn}:${e.shiftNumber}`, filters, title);
      if (id !== undefined) made.push(id);
    }
  }
  return made;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Daily and monthly jobs for the last complete day and month (Moscow); returns the ids newly made. */
export async function scheduleCalendarExports(db: Db, now: Date): Promise<number[]> {
  const today = moscowDate(now);
  const yesterday = addDays(today, -1);
  const monthStart = `${today.slice(0, 7)}-01`;
  const lastMonthEnd = addDays(monthStart, -1);
  const lastMonth = lastMonthEnd.slice(0, 7);
  const made: number[] = [];
  const periods = [
    { schedule: 'daily', key: `day:${yesterday}`, from: yesterday, to: yesterday, label: yesterday },
    { schedule: 'monthly', key: `month:${lastMonth}`, from: `${lastMonth}-01`, to: lastMonthEnd, label: lastMonth },
  ];
  for (const p of periods) {
    for (const s of await settingsOf(db, p.schedule)) {
      // A setting made after the period ended does not export it retroactively.
      if (moscowDate(s.created_at) > p.to) continue;
      const filters: JsonObject = { dateFrom: `${p.from}T00:00:00`, dateTo: `${p.to}T23:59:59` };
      if (s.content !== 'shift_summary') filters['form'] = 3;
      if (s.register_ids !== null) filters['registerIds'] = s.register_ids.map(Number);
      const id = await insertJob(db, s, p.key, filters, `${CONTENT_TITLES[s.content] ?? s.content}: ${p.label}`);
      if (id !== undefined) made.push(id);
    }
  }
  return made;
}

/** Closing reports (form 5) persisted in (from, to] of organizations with a shift_closed setting, as events. */
export async function scanShiftClosedEvents(db: Db, from: Date, to: Date, limit: number): Promise<Array<ShiftClosedEvent & { persistedAt: Date }>> {
  const rows = await closingReportsForExport(db, from, to, limit);
  return rows.map((r) => ({
    organizationId: r.organization_id,
    fn: r.fn,
    fd: r.fd,
    shiftNumber: r.shift_number,
    registerId: r.register_id,
    registrationNumber: r.kkt_reg_id,
    dateTime: r.date_time,
    persistedAt: r.persisted_at,
  }));
}
