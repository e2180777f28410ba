/**
 * The kinds of condition notifications (issue 7): what the condition evaluator watches, what an organization may switch
 * off (notification_rules.disabled_kinds), and the webhook event type each one is published under (the same name).
 */
export const NOTIFICATION_KINDS = [
  'register.silent',
  'fn.expiring',
  'fn.fill',
  'documents.unsent',
  'flk.failed',
  'fns.rejected',
  'ofd.expiring',
  'kkt.application',
  'branding.expiring',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Kinds that describe a state (they stay true until something changes): they fire once and re-arm when the state
 * clears. The others are events, one per document.
 */
export const STATE_KINDS: readonly NotificationKind[] = ['register.silent', 'fn.expiring', 'fn.fill', 'documents.unsent', 'ofd.expiring', 'branding.expiring'];

/** Reminders about paying: e-mailed to the accountants (who pay, issue 16) as well as the owners and admins. */
export const BILLING_KINDS: readonly NotificationKind[] = ['ofd.expiring', 'branding.expiring'];

/** A register is silent after this many hours without documents unless the organization sets its own threshold. */
export const DEFAULT_SILENT_HOURS = 24;
/** The longest silence threshold an organization may set: a year. */
export const MAX_SILENT_HOURS = 24 * 366;

/** E-mail subjects (the cabinet's language). */
export const NOTIFICATION_TITLES: Readonly<Record<NotificationKind, string>> = {
  'register.silent': 'Касса молчит',
  'fn.expiring': 'Срок ФН истекает',
  'fn.fill': 'ФН заполнен более чем на 90 %',
  'documents.unsent': 'Есть неполученные документы',
  'flk.failed': 'Документ не прошёл ФЛК',
  'fns.rejected': 'ФНС отклонила документ',
  'ofd.expiring': 'Заканчивается обслуживание ККТ в ОФД',
  'kkt.application': 'Заявление о регистрации ККТ',
  'branding.expiring': 'Заканчивается брендирование чеков',
};

export function isNotificationKind(s: string): s is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(s);
}
