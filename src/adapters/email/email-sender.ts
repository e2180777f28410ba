/**
 * The e-mail port (architecture decision 7): what the API and the notify worker need from e-mail, whatever carries it.
 * Adapter: SMTP through nodemailer (smtp-email-sender.ts); without SMTP_URL the callers are given no sender.
 */

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

export const EmailErrorCodes = {
  EMAIL_REJECTED: 'EMAIL_REJECTED',
  EMAIL_UNAVAILABLE: 'EMAIL_UNAVAILABLE',
} as const;
export type EmailErrorCode = (typeof EmailErrorCodes)[keyof typeof EmailErrorCodes];

export class EmailError extends Error {
  override readonly name = 'EmailError';
  constructor(
    readonly code: EmailErrorCode,
    message: string,
    /** Whether sending again later may succeed (server down, 4xx) or not (5xx: bad recipient). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
