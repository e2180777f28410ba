/**
 * A card top-up leaves the cabinet for the provider's page and comes back to its return URL. The provider adds
 * nothing to that URL, so the payment's id waits in sessionStorage under the purchase key the URL carries; a return
 * in another browser still shows the balance, only not this payment's outcome.
 */
const PREFIX = 'ofd.card-top-up.';

export function rememberTopUp(key: string, paymentId: number, storage: Pick<Storage, 'setItem'> = sessionStorage): void {
  try {
    storage.setItem(PREFIX + key, String(paymentId));
  } catch {
    // Storage may be off (private mode): the return page then shows the balance without this payment's outcome.
  }
}

export function recallTopUp(key: string, storage: Pick<Storage, 'getItem'> = sessionStorage): number | undefined {
  try {
    const v = storage.getItem(PREFIX + key);
    return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

/** The URL the provider sends the buyer back to: the balance page, naming the organization and the purchase. */
export function returnUrlFor(origin: string, organizationId: number, key: string): string {
  const u = new URL('/billing', origin);
  u.searchParams.set('organizationId', String(organizationId));
  u.searchParams.set('topUp', key);
  return u.toString();
}
