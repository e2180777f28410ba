/**
 * What the operator does with registers whose paid OFD service is over (issue 17), OFD_UNPAID_POLICY:
 * - flag: keep accepting and acknowledging their documents; the register shows as expired and notifications fire;
 * - stop: keep storing their documents but do not acknowledge them, so the fiscal drive keeps each one and sends it
 *   again once the service is paid (nothing is lost on either side: the FN holds the document, we hold a copy).
 * A register with no period recorded at all is never stopped: billing starts with its first paid or granted period.
 */
export const UNPAID_POLICIES = ['flag', 'stop'] as const;
export type UnpaidPolicy = (typeof UNPAID_POLICIES)[number];
