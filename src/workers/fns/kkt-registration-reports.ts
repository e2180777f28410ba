/**
 * Completing a KKT registration from the gateway's side (issue 18): a registration report (form 1) or a report on
 * changed registration details (form 11) that names the РНМ of an application waiting for it (status rnm_assigned) is
 * matched in the persist transaction — so the document and the application's step commit together or not at all:
 *
 *   same KKT serial (1013) and FN (1041) as the application  → report_received, with the report's date and time, FD
 *                                                              number and ФП (the application's last step; the fns-kkt
 *                                                              worker sends it to the FNS)
 *   another serial or another FN                              → a mismatch recorded on the application, with what to do
 *
 * Re-sends of the report change nothing (guarded by status and by the mismatch's value).
 */
import type { Transaction } from 'kysely';
import type { FieldObject } from '../../../protocol/document-json.js';
import type { Database } from '../../db/database.js';
import { awaitingReport, recordMismatch, transitionKktApplicationIn } from '../../db/kkt-applications.repository.js';
import type { KktApplication } from '../../db/tables/kkt-applications.js';
import { num, str } from '../persist/derive.js';

/** Forms that carry the registration (FFD 1.05+: 1 registration report, 11 report on changed registration details). */
const REGISTRATION_FORMS = new Set([1, 11]);

export interface RegistrationReportSeen {
  readonly kktRegId: string;
  readonly kktNumber: string | null;
  readonly fiscalDriveNumber: string | null;
  readonly fiscalDocumentNumber: number | null;
  readonly dateTime: string | null;
  readonly fiscalSign: string | null;
}

/** The registration reports among documents' fields (nothing for every other form: the common case costs a filter). */
export function registrationReportsOf(docs: readonly { fields: FieldObject | undefined; kktRegId: string | null }[]): RegistrationReportSeen[] {
  const out: RegistrationReportSeen[] = [];
  for (const d of docs) {
    if (!d.fields || d.kktRegId === null || !REGISTRATION_FORMS.has(num(d.fields, 'code') ?? -1)) continue;
    out.push({
      kktRegId: d.kktRegId,
      kktNumber: str(d.fields, 'kktNumber'),
      fiscalDriveNumber: str(d.fields, 'fiscalDriveNumber'),
      fiscalDocumentNumber: num(d.fields, 'fiscalDocumentNumber'),
      dateTime: str(d.fields, 'dateTime'),
      fiscalSign: str(d.fields, 'fiscalSign'),
    });
  }
  return out;
}

function mismatchOf(app: KktApplication, r: RegistrationReportSeen): { found: Record<string, string | null>; expected: Record<string, string>; advice: string } | undefined {
  const serialDiffers = r.kktNumber !== null && r.kktNumber !== app.kkt_serial;
  const fnDiffers = r.fiscalDriveNumber !== null && r.fiscalDriveNumber !== app.fn_serial;
  if (!serialDiffers && !fnDiffers) return undefined;
  const advice = serialDiffers
    ? 'Отчёт о регистрации с этим РНМ пришёл от кассы с другим заводским номером. Проверьте, что РНМ введён в ту кассу, ' +
      'для которой подано заявление; если заявление подано с ошибкой в заводском номере — подайте новое заявление.'
    : 'Отчёт о регистрации пришёл с другим фискальным накопителем. Если ФН заменили — подайте заявление о перерегистрации ' +
      'в связи с заменой ФН; если в заявлении ошибка в номере ФН — подайте заявление заново.';
  return {
    found: { kktNumber: r.kktNumber, fiscalDriveNumber: r.fiscalDriveNumber },
    expected: { kktNumber: app.kkt_serial, fiscalDriveNumber: app.fn_serial },
    advice,
  };
}

/** Matches the batch's registration reports to applications waiting for them; call inside the persist transaction. */
export async function completeRegistrations(trx: Transaction<Database>, reports: readonly RegistrationReportSeen[]): Promise<void> {
  if (reports.length === 0) return;
  const apps = await awaitingReport(trx, [...new Set(reports.map((r) => r.kktRegId))]);
  for (const app of apps.sort((a, b) => a.id - b.id)) {
    const mine = reports.filter((r) => r.kktRegId === app.kkt_reg_id);
    const matching = mine.find((r) => !mismatchOf(app, r) && r.fiscalDocumentNumber !== null && r.dateTime !== null && r.fiscalSign !== null);
    if (matching) {
      await transitionKktApplicationIn(trx, app.id, {
        from: ['rnm_assigned'],
        to: 'report_received',
        message: `Получен отчёт о регистрации: ФД № ${matching.fiscalDocumentNumber}, ФП ${matching.fiscalSign}, ${matching.dateTime}`,
        patch: {
          report: {
            fiscalDriveNumber: matching.fiscalDriveNumber,
            fiscalDocumentNumber: matching.fiscalDocumentNumber,
            dateTime: matching.dateTime,
            fiscalSign: matching.fiscalSign,
          },
          mismatch: null,
        },
      });
      continue;
    }
    const first = mine[0];
    const m = first ? mismatchOf(app, first) : undefined;
    if (m) await recordMismatch(trx, app.id, m, `Отчёт о регистрации не совпадает с заявлением. ${m.advice}`);
  }
}
