/**
 * The FNS KKT registration port: the contract between our client (http-fns-kkt-client.ts) and the FNS's KKT
 * registration service as this project models it (the FNS's own interface for operators is not public; the fake,
 * fake-fns-kkt-server.ts, implements this contract). JSON over HTTP:
 *
 *   POST {base}/api/v1/kkt-applications                       submit a signed application (idempotent on applicationId)
 *        → 202 { fnsApplicationId, status: 'processing' }
 *   GET  {base}/api/v1/kkt-applications/{fnsApplicationId}    its state
 *        → 200 { fnsApplicationId, status: 'processing' | 'registered' | 'refused' | 'completed', kktRegId?, refusal? }
 *   POST {base}/api/v1/kkt-applications/{fnsApplicationId}/registration-report
 *        { dateTime, fiscalDocumentNumber, fiscalSign, xml }  the last step → 200 { status: 'completed' }
 *
 * Errors: `{ code, message }` with 4xx (terminal) or 5xx/408/429 (retryable).
 */
import { codeTable, ExternalError, type CodedErrorOptions } from '../../domain/errors.js';
import { z } from 'zod';

export const FNS_KKT_APPLICATIONS_PATH = '/api/v1/kkt-applications';

export const KktSubmission = z.object({
  /** Our application id: the FNS's idempotency key (a re-sent application is answered, not registered twice). */
  applicationId: z.string().min(1).max(64),
  kind: z.enum(['registration', 'reregistration', 'deregistration']),
  userInn: z.string().regex(/^\d{10}(\d{2})?$/),
  kktSerialNumber: z.string().min(1).max(20),
  fnSerialNumber: z.string().regex(/^\d{16}$/),
  /** For re-registration and deregistration: the register's РНМ. */
  kktRegId: z.string().regex(/^\d{16}$/).optional(),
  /** The application XML, base64. */
  xml: z.string().min(1),
  /** The customer's detached CMS signature of the XML, base64. */
  signature: z.string().min(1),
});
export type KktSubmission = z.infer<typeof KktSubmission>;

export const KktRefusal = z.object({
  code: z.string(),
  reasons: z.array(z.string()).min(1),
});
export type KktRefusal = z.infer<typeof KktRefusal>;

export const KktApplicationState = z.object({
  fnsApplicationId: z.string().min(1),
  status: z.enum(['processing', 'registered', 'refused', 'completed']),
  kktRegId: z.string().regex(/^\d{16}$/).optional(),
  refusal: KktRefusal.optional(),
});
export type KktApplicationState = z.infer<typeof KktApplicationState>;

export const KktRegistrationReport = z.object({
  dateTime: z.string(),
  fiscalDocumentNumber: z.number().int().min(1),
  fiscalSign: z.string().regex(/^\d{1,10}$/),
  /** The application XML with its last step filled in, base64. */
  xml: z.string().min(1),
});
export type KktRegistrationReport = z.infer<typeof KktRegistrationReport>;

export const KktErrorBody = z.object({ code: z.string(), message: z.string() });

export interface FnsKktClient {
  submit(application: KktSubmission): Promise<KktApplicationState>;
  state(fnsApplicationId: string): Promise<KktApplicationState>;
  sendRegistrationReport(fnsApplicationId: string, report: KktRegistrationReport): Promise<KktApplicationState>;
  close(): Promise<void>;
}

export const FnsKktErrorCodes = codeTable(
  'FNS_KKT_TIMEOUT',
  'FNS_KKT_UNAVAILABLE',
  'FNS_KKT_SERVER_ERROR',
  'FNS_KKT_BAD_RESPONSE',
  'FNS_KKT_REFUSED_REQUEST',
);
export type FnsKktErrorCode = keyof typeof FnsKktErrorCodes;

const RETRYABLE = new Set<FnsKktErrorCode>(['FNS_KKT_TIMEOUT', 'FNS_KKT_UNAVAILABLE', 'FNS_KKT_SERVER_ERROR', 'FNS_KKT_BAD_RESPONSE']);

export class FnsKktError extends ExternalError<FnsKktErrorCode> {
  override readonly name = 'FnsKktError';
  constructor(code: FnsKktErrorCode, message: string, readonly status?: number, options?: CodedErrorOptions) {
    super(code, message, RETRYABLE.has(code), options);
  }
}
