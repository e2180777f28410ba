/**
 * The fns-kkt worker's processor (issue 18): one BullMQ job per application step, which reads the application's status
 * from PostgreSQL and does the next thing, so a re-delivered job or a crashed worker repeats nothing that committed:
 *
 *   signed           → sent (before the request leaves: a crash after it re-sends, idempotent on applicationId)
 *   sent             → the FNS took it: accepted (its id kept), or refused the request outright: refused
 *   accepted         → asks the FNS: still processing → 'wait' (the job is delayed, no attempt used);
 *                      registered → rnm_assigned (РНМ checked against INN and serial) or, for a deregistration,
 *                      completed; refused → refused with the FNS's reasons
 *   report_received  → the last step (the registration report's details) sent → completed
 *
 * Retryable FNS failures throw (BullMQ retries with backoff, the status stays); every status change notifies the
 * customer by e-mail through the notify outbox.
 */
import type { Kysely } from 'kysely';
import { FnsKktError, type FnsKktClient, type KktApplicationState } from '../../adapters/fns-kkt/fns-kkt-api.js';
import type { Database } from '../../db/database.js';
import { findKktApplication, transitionKktApplication } from '../../db/kkt-applications.repository.js';
import type { KktApplication } from '../../db/tables/kkt-applications.js';
import { kktApplicant, markRegisterDeregistered } from '../../db/worker-sweeps.repository.js';
import { applicationInput, type Applicant } from '../../domain/kkt-registration/application.js';
import { applicationXml } from '../../domain/kkt-registration/application-xml.js';
import { checkRnm } from '../../domain/kkt-registration/rnm.js';

export interface KktProcessorDeps {
  readonly db: Kysely<Database>;
  readonly client: FnsKktClient;
  /** The operator (sender of the completion document). */
  readonly operatorInn: string;
  readonly operatorKpp: string;
}

export type KktStepOutcome = 'done' | 'wait';

const KIND_TEXT = { registration: 'регистрации', reregistration: 'перерегистрации', deregistration: 'снятии с регистрации' } as const;

async function applicantOf(db: Kysely<Database>, app: KktApplication): Promise<Applicant & { inn: string }> {
  const { inn, name, kpp } = await kktApplicant(db, app.organization_id);
  return { inn, name: name ?? inn, kpp: kpp ?? undefined };
}

async function refuse(db: Kysely<Database>, app: KktApplication, from: KktApplication['status'][], refusal: { code: string; reasons: string[] }): Promise<void> {
  await transitionKktApplication(db, app.id, {
    from,
    to: 'refused',
    message: `ФНС отказала: ${refusal.reasons.join('; ')}`,
    patch: { refusal },
    notify: {
      subject: `ФНС отказала в ${KIND_TEXT[app.kind]} ККТ ${app.kkt_serial}`,
      text: `ФНС отказала по заявлению № ${app.id} (ККТ ${app.kkt_serial}).\nПричины:\n${refusal.reasons.map((r) => `— ${r}`).join('\n')}\n\nИсправьте заявление и подайте его снова в личном кабинете.`,
    },
  });
}

async function submit(deps: KktProcessorDeps, app: KktApplication): Promise<void> {
  const applicant = await applicantOf(deps.db, app);
  const input = applicationInput.parse(app.input);
  let state: KktApplicationState;
  try {
    state = await deps.client.submit({
      applicationId: String(app.id),
      kind: app.kind,
      userInn: applicant.inn,
      kktSerialNumber: app.kkt_serial,
      fnSerialNumber: app.fn_serial,
      ...(input.kind === 'registration' ? {} : { kktRegId: input.kktRegId }),
      xml: Buffer.from(app.xml, 'utf8').toString('base64'),
      signature: app.signature!.toString('base64'),
    });
  } catch (e) {
    if (e instanceof FnsKktError && !e.retryable) return refuse(deps.db, app, ['sent'], { code: e.code, reasons: [e.message] });
    throw e;
  }
  await transitionKktApplication(deps.db, app.id, {
    from: ['sent'],
    to: 'accepted',
    message: 'ФНС приняла заявление к рассмотрению',
    patch: { fns_application_id: state.fnsApplicationId },
    notify: { subject: `Заявление о ${KIND_TEXT[app.kind]} ККТ ${app.kkt_serial} принято ФНС`, text: `ФНС приняла заявление № ${app.id}. Ответ обычно приходит в течение 10 минут.` },
  });
}

async function poll(deps: KktProcessorDeps, app: KktApplication): Promise<KktStepOutcome> {
  const state = await deps.client.state(app.fns_application_id!);
  if (state.status === 'processing') return 'wait';
  if (state.status === 'refused') {
    await refuse(deps.db, app, ['accepted'], state.refusal ?? { code: 'REFUSED', reasons: ['ФНС не указала причину'] });
    return 'done';
  }
  const input = applicationInput.parse(app.input);
  if (input.kind === 'deregistration') {
    const done = await transitionKktApplication(deps.db, app.id, {
      from: ['accepted'],
      to: 'completed',
      message: 'ККТ снята с регистрационного учёта',
      patch: { kkt_reg_id: input.kktRegId },
      notify: { subject: `ККТ ${app.kkt_serial} снята с учёта`, text: `ФНС сняла ККТ ${app.kkt_serial} (РНМ ${input.kktRegId}) с регистрационного учёта по заявлению № ${app.id}.` },
    });
    // The register is no longer in use: lists and condition notifications stop expecting documents from it.
    if (done) await markRegisterDeregistered(deps.db, input.kktRegId, app.organization_id);
    return 'done';
  }
  if (input.kind === 'reregistration' && input.reregistrationReport) {
    // FN replacement: the report on changed details was printed before the application and is in it; nothing is left.
    await transitionKktApplication(deps.db, app.id, {
      from: ['accepted'],
      to: 'completed',
      message: `ФНС перерегистрировала ККТ (РНМ ${input.kktRegId}): ${input.reasons.includes('3') ? 'замена ФН учтена' : 'изменения учтены'}`,
      patch: { kkt_reg_id: input.kktRegId, report: { ...input.reregistrationReport, fiscalDriveNumber: input.fn.serialNumber } },
      notify: { subject: `ККТ ${app.kkt_serial} перерегистрирована`, text: `ФНС перерегистрировала ККТ ${app.kkt_serial} (РНМ ${input.kktRegId}) по заявлению № ${app.id}: новый ФН ${input.fn.serialNumber}.` },
    });
    return 'done';
  }
  const applicant = await applicantOf(deps.db, app);
  const rnm = state.kktRegId ?? '';
  const check = checkRnm(rnm, applicant.inn, app.kkt_serial);
  if (!check.valid) {
    // An РНМ that does not belong to this INN and serial would be refused by the register itself: never hand it on.
    await refuse(deps.db, app, ['accepted'], { code: 'FNS_RNM_INVALID', reasons: [`ФНС вернула РНМ ${rnm}, который не соответствует ИНН и заводскому номеру (${check.message})`] });
    return 'done';
  }
  await transitionKktApplication(deps.db, app.id, {
    from: ['accepted'],
    to: 'rnm_assigned',
    message: app.kind === 'registration' ? `ФНС присвоила регистрационный номер ${rnm}` : `ФНС приняла перерегистрацию ККТ (РНМ ${rnm}): ждём отчёт об изменении параметров регистрации`,
    patch: { kkt_reg_id: rnm },
    notify: {
      subject: `ККТ ${app.kkt_serial}: присвоен РНМ ${rnm}`,
      text: `ФНС присвоила ККТ ${app.kkt_serial} регистрационный номер ${rnm}.\nВведите его в кассу и распечатайте отчёт о ${app.kind === 'registration' ? 'регистрации' : 'изменении параметров регистрации'}: личный кабинет завершит регистрацию сам, когда отчёт придёт к нам.`,
    },
  });
  return 'done';
}

async function complete(deps: KktProcessorDeps, app: KktApplication): Promise<void> {
  const applicant = await applicantOf(deps.db, app);
  const report = app.report as { fiscalDocumentNumber: number; dateTime: string; fiscalSign: string };
  const xml = applicationXml({
    application: applicationInput.parse(app.input),
    applicant,
    senderInn: deps.operatorInn,
    senderKpp: deps.operatorKpp,
    fileGuid: app.file_id.slice(-36),
    documentDate: app.created_at.toISOString().slice(0, 10),
    kktRegId: app.kkt_reg_id ?? undefined,
    registrationReport: { dateTime: report.dateTime.slice(0, 16), fiscalDocumentNumber: report.fiscalDocumentNumber, fiscalSign: report.fiscalSign },
  });
  await deps.client.sendRegistrationReport(app.fns_application_id!, { ...report, xml: Buffer.from(xml, 'utf8').toString('base64') });
  await transitionKktApplication(deps.db, app.id, {
    from: ['report_received'],
    to: 'completed',
    ...(app.kind === 'registration'
      ? {
          message: 'Сведения об отчёте о регистрации отправлены в ФНС: регистрация завершена',
          notify: { subject: `ККТ ${app.kkt_serial} зарегистрирована`, text: `Регистрация ККТ ${app.kkt_serial} (РНМ ${app.kkt_reg_id ?? ''}) завершена: ФНС получила сведения об отчёте о регистрации.` },
        }
      : {
          message: 'Сведения об отчёте об изменении параметров регистрации отправлены в ФНС: перерегистрация завершена',
          notify: { subject: `ККТ ${app.kkt_serial} перерегистрирована`, text: `Перерегистрация ККТ ${app.kkt_serial} (РНМ ${app.kkt_reg_id ?? ''}) завершена: ФНС получила сведения об отчёте об изменении параметров регистрации.` },
        }),
  });
}

export function createKktRegistrationProcessor(deps: KktProcessorDeps): (applicationId: number) => Promise<KktStepOutcome> {
  return async function step(applicationId) {
    for (let guard = 0; guard < 4; guard++) {
      const app = await findKktApplication(deps.db, applicationId);
      if (!app) return 'done';
      switch (app.status) {
        case 'signed':
          await transitionKktApplication(deps.db, app.id, { from: ['signed'], to: 'sent', message: 'Отправляется в ФНС' });
          continue;
        case 'sent':
          await submit(deps, app);
          continue;
        case 'accepted':
          if ((await poll(deps, app)) === 'wait') return 'wait';
          return 'done';
        case 'report_received':
          await complete(deps, app);
          return 'done';
        default:
          return 'done';
      }
    }
    return 'done';
  };
}
