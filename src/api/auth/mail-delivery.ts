/**
 * E-mail from the API (confirmation, password reset, lockout notice) and what to do when none can be sent.
 *
 * Without SMTP nothing is e-mailed: in development the link is logged at info so a local user can follow it (the first
 * five minutes must work without a mail server); in production it never is (a link is a credential). Either way the
 * caller learns whether a message went out, so answers never claim a send that did not happen.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { EmailMessage } from '../../adapters/email/email-sender.js';
import type { ApiContext } from '../context.js';

export type MailOutcome = 'sent' | 'not_configured' | 'failed';

export async function deliverMail(ctx: ApiContext, log: FastifyBaseLogger, message: EmailMessage, link?: string): Promise<MailOutcome> {
  if (ctx.email === undefined) {
    if (ctx.mode === 'development' && link !== undefined) {
      log.info({ to: message.to, subject: message.subject, link }, 'SMTP_URL is not set: the link is logged instead of e-mailed (development mode)');
    } else {
      log.warn({ to: message.to, subject: message.subject }, 'SMTP_URL is not set: e-mail not sent');
    }
    return 'not_configured';
  }
  try {
    await ctx.email.send(message);
    return 'sent';
  } catch (e) {
    log.error({ err: e, subject: message.subject }, 'e-mail not sent');
    return 'failed';
  }
}

/** What a user who has not confirmed the e-mail is told at login, true to what the server can send. */
export function confirmFirstMessage(ctx: ApiContext): string {
  if (ctx.email !== undefined) return 'confirm the e-mail first: follow the link in the confirmation e-mail (POST /api/v1/auth/confirm/resend sends it again)';
  return ctx.mode === 'development'
    ? 'confirm the e-mail first: this server sends no e-mail (SMTP_URL is not set); in development the confirmation link is in the server log'
    : 'confirm the e-mail first: this server sends no e-mail (SMTP_URL is not set); ask the operator';
}

/** Runs work after the answer went out, so known and unknown e-mails are answered alike and as fast. */
export function inBackground(log: FastifyBaseLogger, what: string, work: () => Promise<unknown>): void {
  setImmediate(() => {
    work().catch((e: unknown) => log.error({ err: e }, `${what} failed`));
  });
}
