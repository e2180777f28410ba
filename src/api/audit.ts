/**
 * Recording an action for the log («Журнал действий»): the actor comes from the request's principal, the address and
 * user agent from the request. Actions are dotted names (`organization.created`, `invitation.sent`, …), listed in
 * AUDIT_ACTIONS so the cabinet can name them.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { insertAudit } from '../db/audit-log.repository.js';
import type { JsonObject } from '../db/column-types.js';
import type { Database } from '../db/database.js';
import type { Principal } from './auth/principal.js';

export const AUDIT_ACTIONS = {
  'organization.created': 'Организация зарегистрирована',
  'organization.updated': 'Реквизиты изменены',
  'offer.accepted': 'Оферта принята',
  'claim.filed': 'Запрошен доступ к ИНН',
  'claim.approved': 'Запрос доступа к ИНН одобрен',
  'claim.rejected': 'Запрос доступа к ИНН отклонён',
  'invitation.sent': 'Приглашение отправлено',
  'invitation.revoked': 'Приглашение отозвано',
  'invitation.accepted': 'Приглашение принято',
  'member.limits_changed': 'Ограничение доступа изменено',
  'register.prepared': 'Касса добавлена',
  'register.stage_changed': 'Этап кассы изменён',
  'registers.imported': 'Кассы загружены из файла',
  'receipt_brand.updated': 'Оформление чеков изменено',
  'receipt_brand.reset': 'Оформление чеков сброшено',
  'short_link.revoked': 'Короткая ссылка на чек отозвана',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function userAgentOf(request: FastifyRequest): string {
  return String(request.headers['user-agent'] ?? '').slice(0, 500);
}

export async function audit(
  db: Kysely<Database> | Transaction<Database>,
  request: FastifyRequest,
  p: Principal,
  organizationId: number | null,
  action: AuditAction,
  target: string | null,
  details: JsonObject = {},
): Promise<void> {
  await insertAudit(db, {
    organizationId,
    actorKind: p.kind,
    actorUserId: p.kind === 'user' ? p.userId : null,
    actorEmail: p.kind === 'user' ? p.email : null,
    actorApiKeyId: p.kind === 'apiKey' ? p.keyId : null,
    action,
    target,
    details,
    ip: request.ip,
    userAgent: userAgentOf(request),
  });
}
