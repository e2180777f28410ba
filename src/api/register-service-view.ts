// The `ofdService` block of a register (issue 17): the paid service end (derived from the paid periods), the days
// left, and what the gateway does once it has passed under the operator's policy for unpaid registers.
import { z } from 'zod';
import { UNPAID_POLICIES, type UnpaidPolicy } from '../billing/unpaid-policy.js';
import { ofdServiceDaysLeft } from '../domain/ofd-service.js';

export const ofdServiceOut = z
  .object({
    until: z.string().nullable().meta({ description: 'Last paid day of OFD service (YYYY-MM-DD, inclusive), the latest of the register’s paid periods; null: nothing paid or granted' }),
    daysLeft: z.number().int().nullable().meta({ description: 'Days from today (Moscow) to `until`: 0 on the last day, negative after it' }),
    status: z.enum(['active', 'expired', 'none']).meta({ description: 'active: paid through today; expired: the paid days are over; none: no period recorded' }),
    unpaidPolicy: z.enum(UNPAID_POLICIES).meta({ description: 'The operator’s policy once the paid days are over (OFD_UNPAID_POLICY): flag = documents are accepted and acknowledged, the register is flagged; stop = documents are stored but not acknowledged, so the fiscal drive keeps them until the service is paid' }),
    acknowledging: z.boolean().meta({ description: 'Whether the gateway acknowledges this register’s documents now' }),
  })
  .meta({ description: 'The OFD service of the register, derived from the periods paid (tariffs, activation codes) or granted by the operator' });

export function ofdServiceJson(serviceUntil: string | null, policy: UnpaidPolicy, now: Date): z.infer<typeof ofdServiceOut> {
  const daysLeft = serviceUntil === null ? null : ofdServiceDaysLeft(serviceUntil, now);
  const status = daysLeft === null ? 'none' : daysLeft >= 0 ? 'active' : 'expired';
  return { until: serviceUntil, daysLeft, status, unpaidPolicy: policy, acknowledging: !(status === 'expired' && policy === 'stop') };
}
