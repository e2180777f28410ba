/**
 * What the cabinet prefills a re-registration or deregistration with, for a register the organization has (issue 18):
 * the last application for that РНМ (models, address, tax office, signer — what only an application knows), overlaid by
 * what the register itself reported in its last registration report or report on changed details (forms 1 / 11: FN,
 * address, place, modes), and the fiscal documents the FNS asks for: the FN closing report (form 6) and, after an FN
 * replacement, the report on changed details printed with the new FN. Documents are read by the register's id (indexed),
 * so only documents the persist worker attributed to this organization's register count.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './database.js';
import type { JsonObject } from './column-types.js';
import { storedFnsJson } from './fns-json.js';
import type { PackedRawContainer } from './raw-container.js';
import type { FiscalDocumentRef, KktPrefill } from '../domain/kkt-registration/prefill.js';
import { loadRawContexts } from './raw-contexts.js';

interface DocRow {
  fn: string;
  fd: number;
  form: number;
  date_time: string | null;
  fiscal_sign: number | null;
  raw_container: PackedRawContainer;
  raw_codec: number | null;
  flk_codes: string[] | null;
  reprocessed_at: Date | null;
}

const ref = (d: DocRow): FiscalDocumentRef => ({ fn: d.fn, fiscalDocumentNumber: Number(d.fd), dateTime: d.date_time ?? '', fiscalSign: String(d.fiscal_sign ?? '') });

/** The report's FNS JSON fields, decoded from its raw bytes (nothing stores the JSON: src/db/fns-json.ts). */
function fieldsOf(d: DocRow): JsonObject {
  const inner = Object.values(storedFnsJson(d))[0];
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as JsonObject) : {};
}

export async function kktPrefill(db: Kysely<Database>, organizationId: number, kktRegId: string): Promise<KktPrefill | undefined> {
  const register = await db
    .selectFrom('registers')
    .select(['id'])
    .where('registration_number', '=', kktRegId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  const app = await db
    .selectFrom('kkt_applications')
    .select(['id', 'kind', 'input'])
    .where('organization_id', '=', organizationId)
    .where('status', '!=', 'refused')
    .where((eb) => eb.or([eb('kkt_reg_id', '=', kktRegId), eb(sql<string>`input->>'kktRegId'`, '=', kktRegId)]))
    // What the FNS accepted beats a draft left unsigned: completed first, then the newest.
    .orderBy(sql`status = 'completed'`, 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!register && !app) return undefined;
  const docs: DocRow[] = register
    ? await db
        .selectFrom('documents')
        .select(['fn', 'fd', 'form', 'date_time', 'fiscal_sign', 'raw_container', 'raw_codec', 'flk_codes', 'reprocessed_at'])
        .where('register_id', '=', register.id)
        .where('form', 'in', [1, 6, 11])
        .orderBy('date_time', 'desc')
        .orderBy('fd', 'desc')
        .limit(50)
        .execute()
    : [];
  await loadRawContexts(db, docs);
  const lastReg = docs.find((d) => d.form === 1 || d.form === 11);
  const closing = docs.find((d) => d.form === 6);
  const replacement = closing ? docs.find((d) => d.form === 11 && d.fn !== closing.fn && (d.date_time ?? '') >= (closing.date_time ?? '')) : undefined;
  return {
    kktRegId,
    registerId: register?.id ?? null,
    lastApplication: app ? { id: app.id, kind: app.kind, input: app.input } : null,
    lastRegistrationReport: lastReg ? { ...ref(lastReg), form: lastReg.form, fields: fieldsOf(lastReg) } : null,
    closingReport: closing ? ref(closing) : null,
    replacementReport: replacement ? ref(replacement) : null,
  };
}
