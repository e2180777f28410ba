/**
 * Paying a tariff for the chosen registers: one call per register, in turn; the keys derive from one batch key, so
 * «Оплатить» again after a failure charges only the registers not paid yet (the others answer their first payment).
 */
import { useState } from 'react';
import type { Register } from '../../../lib/api/lookups';
import { useAfterMovement, usePayTariff, type Tariff } from '../api/billing';
import { billingErrorText } from '../lib/billing-errors';
import { newPurchaseKey } from '../lib/references';
import type { PayOutcome } from './PayPlan';

export interface PaidRegister {
  rn: string;
  endsOn: string;
}

export function useTariffPayment(chosen: readonly Register[], tariff: Tariff | undefined, onAllPaid: () => void) {
  const pay = usePayTariff();
  const after = useAfterMovement();
  const [batchKey, setBatchKey] = useState(() => newPurchaseKey('tariff'));
  const [outcomes, setOutcomes] = useState<PayOutcome[]>([]);
  const [paying, setPaying] = useState(false);
  const [paid, setPaid] = useState<PaidRegister[]>([]);

  const resetPlan = () => {
    setBatchKey(newPurchaseKey('tariff'));
    setOutcomes([]);
    setPaid([]);
  };

  const payAll = async () => {
    if (!tariff) return;
    setPaying(true);
    const results: PayOutcome[] = [];
    for (const r of chosen) {
      try {
        const p = await pay.mutateAsync({ registerId: r.id, tariffId: tariff.id, idempotencyKey: `${batchKey}:r${r.id}`.slice(0, 100) });
        results.push({ registerId: r.id, endsOn: p.period.endsOn });
      } catch (e) {
        results.push({ registerId: r.id, error: billingErrorText(e) });
      }
      setOutcomes([...results]);
    }
    setPaying(false);
    await after();
    if (results.every((o) => o.error === undefined)) {
      setPaid(chosen.map((r, i) => ({ rn: r.registrationNumber, endsOn: results[i]!.endsOn! })));
      setBatchKey(newPurchaseKey('tariff'));
      setOutcomes([]);
      onAllPaid();
    }
  };

  return { outcomes, paying, paid, clearPaid: () => setPaid([]), resetPlan, payAll };
}
