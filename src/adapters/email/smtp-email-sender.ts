/**
 * The SMTP adapter of the e-mail port: nodemailer with a pooled transport and timeouts. SMTP_URL is
 * `smtp://user:pass@host:port` (STARTTLS when the server offers it) or `smtps://…` (TLS from the start).
 */
import nodemailer from 'nodemailer';
import { EmailError, EmailErrorCodes, type EmailSender } from './email-sender.js';

export interface SmtpEmailSenderOptions {
  readonly url: string;
  /** The From header. Default `ОФД <no-reply@localhost>`. */
  readonly from?: string;
  /** Connection, greeting and socket timeouts, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

function classify(e: unknown): EmailError {
  const err = e as { responseCode?: number; code?: string; message?: string };
  const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500;
  return new EmailError(
    permanent ? EmailErrorCodes.EMAIL_REJECTED : EmailErrorCodes.EMAIL_UNAVAILABLE,
    `SMTP: ${err.message ?? String(e)}`,
    !permanent,
    { cause: e },
  );
}

export function createSmtpEmailSender(options: SmtpEmailSenderOptions): EmailSender {
  const timeout = options.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const from = options.from ?? 'ОФД <no-reply@localhost>';
  let closed = false;
  return {
    async send(message) {
      try {
        await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}),
          ...(message.attachments ? { attachments: message.attachments.map((a) => ({ ...a })) } : {}),
        });
      } catch (e) {
        throw classify(e);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
