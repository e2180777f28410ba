/**
 * The contract between this OFD and CRPT («Честный знак»), modelled on the True API (the real one differs in detail;
 * `ofd fake-crpt` implements exactly this):
 *
 *   GET  /api/v3/true-api/auth/key              → { uuid, data }             a challenge, valid CHALLENGE_TTL_MS, single use
 *   POST /api/v3/true-api/auth/simpleSignIn     { uuid, data, alg, cert? } → { token, expiresIn }
 *        data = the challenge signed: alg 'rsa-cms' — base64 DER PKCS#7 SignedData with the challenge as its attached
 *        content and the signer's certificate; alg 'gost2012-256' — base64 of the 64-byte GOST R 34.10-2012 signature
 *        (OpenSSL gost engine byte order, Streebog-256 of the challenge) and `cert` = hex of the 64-byte public key (x‖y, little-endian)
 *   POST /api/v4/true-api/codes/check           { codes: string[] }        → { codes: [{ cis, status, valid }] }
 *   POST /api/v3/true-api/sales                 CrptSale                   → { saleId, duplicate, codes: [{ cis, status }] }
 *
 * Every call but the challenge carries `Authorization: Bearer <token>`; 401 means the token expired (sign in again).
 * Sales are idempotent by `saleId` (`<source>-<fn>-<fd>`): a copy is answered with the first answer, duplicate: true.
 */
import { z } from 'zod';

export const CRPT_PATHS = {
  authKey: '/api/v3/true-api/auth/key',
  signIn: '/api/v3/true-api/auth/simpleSignIn',
  check: '/api/v4/true-api/codes/check',
  sales: '/api/v3/true-api/sales',
} as const;

export const CRPT_SIGN_ALGORITHMS = ['rsa-cms', 'gost2012-256'] as const;
export type CrptSignAlgorithm = (typeof CRPT_SIGN_ALGORITHMS)[number];

/** CRPT's status of a code: in circulation (may be sold), withdrawn (sold already), unknown, or blocked. */
export const CRPT_CODE_STATUSES = ['INTRODUCED', 'RETIRED', 'UNKNOWN', 'BLOCKED'] as const;
export type CrptCodeStatus = (typeof CRPT_CODE_STATUSES)[number];

export const AuthKeyResponse = z.object({ uuid: z.string().min(1), data: z.string().min(1) });
export const SignInRequest = z.object({
  uuid: z.string().min(1),
  data: z.string().min(1),
  alg: z.enum(CRPT_SIGN_ALGORITHMS),
  cert: z.string().optional(),
});
export const SignInResponse = z.object({ token: z.string().min(1), expiresIn: z.number().int().positive() });

export const CodeCheckRequest = z.object({ codes: z.array(z.string().min(1).max(256)).min(1).max(100) });
export const CodeCheckResult = z.object({ cis: z.string(), status: z.enum(CRPT_CODE_STATUSES), valid: z.boolean() });
export const CodeCheckResponse = z.object({ codes: z.array(CodeCheckResult) });
export type CodeCheckResult = z.infer<typeof CodeCheckResult>;

export const SALE_SOURCES = ['receipt', 'notification'] as const;
export type SaleSource = (typeof SALE_SOURCES)[number];

export const SaleCode = z.object({
  cis: z.string().min(1).max(256),
  /** 2106 of the item (receipt) or 2004 of the entry (notification): what the FN and the OISM found before the sale. */
  checkResult: z.number().int().min(0).max(255).nullable(),
  /** 2110 / the planned status (1 sold piece, 2 measured, 3 returned, 4 part returned). */
  itemStatus: z.number().int().min(0).max(255).nullable(),
});
export const CrptSale = z.object({
  saleId: z.string().regex(/^(receipt|notification)-\d{16}-\d{1,10}$/),
  source: z.enum(SALE_SOURCES),
  fn: z.string().regex(/^\d{16}$/),
  fd: z.number().int().min(1).max(0xffff_ffff),
  operatorInn: z.string().optional(),
  /** 1054 (receipt) or 2116 (notification). */
  operationType: z.number().int().nullable(),
  /** 2107 of the receipt. */
  receiptCheckResult: z.number().int().nullable(),
  codes: z.array(SaleCode).min(1).max(1000),
});
export type CrptSale = z.infer<typeof CrptSale>;
export type SaleCode = z.infer<typeof SaleCode>;
export const SaleResponse = z.object({
  saleId: z.string(),
  duplicate: z.boolean(),
  codes: z.array(z.object({ cis: z.string(), status: z.enum(CRPT_CODE_STATUSES) })),
});
export type SaleResponse = z.infer<typeof SaleResponse>;

export const ErrorBody = z.object({ code: z.string(), message: z.string() });

export function saleId(source: SaleSource, fn: string, fd: number): string {
  return `${source}-${fn}-${fd}`;
}
