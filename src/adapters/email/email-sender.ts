/**
 * The e-mail port (architecture decision 7): what the API and the notify worker need from e-mail, whatever carries it.
 * Adapter: SMTP through nodemailer (smtp-email-sender.ts); without SMTP_URL the callers are given no sender.
 */
import { codeTable, ExternalError, type CodeOf } from '../../domain/errors.js';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Files sent along (a «Выгрузка»); with `cid`, an image the HTML shows inline (`<img src="cid:…">`, a branded receipt). */
  readonly attachments?: ReadonlyArray<{ readonly filename: string; readonly content: Buffer; readonly contentType: string; readonly cid?: string }>;
}

export interface EmailSender {
  /** Resolves once the message is accepted by the next hop; rejects with EmailError otherwise. */
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

export const EmailErrorCodes = codeTable('EMAIL_REJECTED', 'EMAIL_UNAVAILABLE');
export type EmailErrorCode = CodeOf<typeof EmailErrorCodes>;

/** `retryable`: whether sending again later may succeed (server down, 4xx) or not (5xx: bad recipient). */
export class EmailError extends ExternalError<EmailErrorCode> {
  override readonly name = 'EmailError';
}
