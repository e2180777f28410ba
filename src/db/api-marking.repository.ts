// Marked goods sold, code by code, for Чеки → Маркировка: each code of a receipt (marking_codes), its check result at
// sale (2106) and its CRPT stage (crpt_code_status: checked → delivered → crpt_answered; none yet: not_sent).
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { storedItemNames } from './item-name-dictionary.js';

type Db = Kysely<Database>;

export const MARKING_STAGES = ['not_sent', 'checked', 'delivered', 'crpt_answered'] as const;
export type MarkingStage = (typeof MARKING_STAGES)[number];
export const MARKING_RESULTS = ['ok', 'failed', 'not_checked'] as const;
export type MarkingResult = (typeof MARKING_RESULTS)[number];

export interface MarkingListQuery {
  /** 'all' (operator) or the INNs whose documents the caller may read. */
  inns: 'all' | readonly string[];
  registerId?: number | undefined;
  stage?: MarkingStage | undefined;
  result?: MarkingResult | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  after?: { receivedAt: Date; fn: string; fd: number; itemIndex: number } | undefined;
  limit: number;
}

export interface MarkingRow {
  fn: string;
  fd: number;
  received_at: Date;
  item_index: number;
  code: string;
  gtin: string | null;
  check_result: number | null;
  date_time: string | null;
  register_id: number | null;
  total_sum: number | null;
  item_name: string | null;
  stage: string | null;
  crpt_status: string | null;
}

/**
 * 2106 (the code's check at sale): bit 0 checked by the FN, bit 1 its result; bit 2 checked by the ОИСМ, bit 3 its
 * result. Failed when a check that ran said no; not checked when neither ran.
 */
const RESULT = sql<MarkingResult>`case
  when mc.check_result is null or mc.check_result & 5 = 0 then 'not_checked'
  when (mc.check_result & 1 = 1 and mc.check_result & 2 = 0) or (mc.check_result & 4 = 4 and mc.check_result & 8 = 0) then 'failed'
  else 'ok' end`;

export async function listMarkingCodes(db: Db, q: MarkingListQuery): Promise<MarkingRow[]> {
  if (q.inns !== 'all' && q.inns.length === 0) return [];
  let query = db
    .selectFrom('marking_codes as mc')
    .innerJoin('documents as d', (j) => j.onRef('d.fn', '=', 'mc.fn').onRef('d.fd', '=', 'mc.fd').onRef('d.received_at', '=', 'mc.received_at'))
    .leftJoin('crpt_code_status as cs', (j) =>
      j.on('cs.source', '=', 'receipt').onRef('cs.fn', '=', 'mc.fn').onRef('cs.fd', '=', 'mc.fd').onRef('cs.item_index', '=', 'mc.item_index'),
    )
    .select([
      'mc.fn',
      'mc.fd',
      'mc.received_at',
      'mc.item_index',
      'mc.code',
      'mc.gtin',
      'mc.check_result',
      'd.date_time',
      'd.register_id',
      'd.total_sum',
      // The item's name from its document's names (migrations 0054, 0070); arrays count from 1.
      sql<string | null>`(${storedItemNames('d')})[mc.item_index + 1]`.as('item_name'),
      'cs.stage',
      'cs.crpt_status',
    ])
    .orderBy('mc.received_at', 'desc')
    .orderBy('mc.fn', 'desc')
    .orderBy('mc.fd', 'desc')
    .orderBy('mc.item_index')
    .limit(q.limit);
  if (q.inns !== 'all') query = query.where('d.user_inn', 'in', [...q.inns]);
  if (q.registerId !== undefined) query = query.where('d.register_id', '=', q.registerId);
  if (q.dateFrom !== undefined) query = query.where('d.date_time', '>=', q.dateFrom);
  if (q.dateTo !== undefined) query = query.where('d.date_time', '<=', q.dateTo);
  if (q.stage !== undefined) query = q.stage === 'not_sent' ? query.where('cs.stage', 'is', null) : query.where('cs.stage', '=', q.stage);
  if (q.result !== undefined) query = query.where(sql<SqlBool>`${RESULT} = ${q.result}`);
  if (q.after !== undefined) {
    const a = q.after;
    query = query.where(sql<SqlBool>`(mc.received_at, mc.fn, mc.fd, -mc.item_index) < (${a.receivedAt}, ${a.fn}, ${a.fd}, ${-a.itemIndex})`);
  }
  return query.execute() as Promise<MarkingRow[]>;
}
