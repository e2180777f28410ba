/**
 * The HTTP interface between the gateway and an external crypto box (ПКЗ). This project's own definition: a certified
 * box is reached through a vendor SDK or an HTTP bridge that speaks this. JSON bodies; bytes as base64.
 *
 *   POST /v1/unwrap    { fiscalDriveNumber, container }            → 200 { document, verified: true }
 *                                                                  → 422 { code: "SIGN_INVALID", message }
 *   POST /v1/sign-ack  { fiscalDriveNumber, ack (form 7 without 1078) } → 200 { ack (with 1078), messageSign, serviceData2a }
 */
import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const fiscalDriveNumber = z.string().regex(/^\d{1,16}$/, '1–16 digits');

export const UnwrapRequestBody = z.object({ fiscalDriveNumber, container: base64 });
export const UnwrapResponseBody = z.object({ document: base64, verified: z.literal(true) });
export const SignAckRequestBody = z.object({ fiscalDriveNumber, ack: base64 });
export const SignAckResponseBody = z.object({ ack: base64, messageSign: base64, serviceData2a: base64 });
export const PkzErrorBody = z.object({ code: z.string(), message: z.string() });
