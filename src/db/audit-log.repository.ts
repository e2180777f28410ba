// The action log («Журнал действий», issue 16): who did what to which organization. Written in the transaction of the
// change where there is one, so a change is never without its record.
import type { Kysely, Transaction } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import type { AuditLogRow, AuditLogTable } from './tables/onboarding.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditEntry {
  organizationId: number | null;
  actorKind: AuditLogTable['actor_kind'];
  actorUserId: number | null;
  actorEmail: string | null;
  actorApiKeyId: number | null;
  action: string;
  target: string | null;
  details: JsonObject;
  ip: string | null;
  userAgent: string | null;
}

export async function insertAudit(db: Db, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      organization_id: e.organizationId,
      actor_kind: e.actorKind,
      actor_user_id: e.actorUserId,
      actor_email: e.actorEmail,
      actor_api_key_id: e.actorApiKeyId,
      action: e.action,
      target: e.target,
      details: JSON.stringify(e.details),
      ip: e.ip,
      user_agent: e.userAgent,
    })
    .execute();
}

export interface AuditListQuery {
  organizationId: number;
  action?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export function listAudit(db: Db, q: AuditListQuery): Promise<AuditLogRow[]> {
  let query = db.selectFrom('audit_log').selectAll().where('organization_id', '=', q.organizationId).orderBy('id', 'desc').limit(q.limit);
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  return query.execute();
}
