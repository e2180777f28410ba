/**
 * «Баланс и оплата» (issue 17): the accounts, top-up by card (the provider's page and back, with the outcome) or by
 * invoice (PDF), and the account history.
 */
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingState, QueryState } from '../../../components/QueryState';
import { useBalance } from '../api/billing';
import { BalanceCards } from '../components/BalanceCards';
import { BillingNav } from '../components/BillingNav';
import { HistoryTable } from '../components/HistoryTable';
import { NoOrganization, OrganizationPicker, useBillingOrganization } from '../components/OrganizationPicker';
import { TopUpPanel } from '../components/TopUpPanel';
import { TopUpResult } from '../components/TopUpResult';

export default function BalancePage() {
  const { organizationId, loading, none } = useBillingOrganization();
  const [params, setParams] = useSearchParams();
  const topUpKey = params.get('topUp');
  const suggested = Number(params.get('amount') ?? '') || undefined;
  const balance = useBalance(organizationId);
  const drop = (name: string) => {
    const next = new URLSearchParams(params);
    next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageHeader title="Баланс и оплата" extra={<OrganizationPicker />} />
      <BillingNav />
      {loading ? <LoadingState /> : null}
      {none ? <NoOrganization /> : null}
      {organizationId !== undefined ? (
        <>
          {topUpKey ? <TopUpResult organizationId={organizationId} topUpKey={topUpKey} onClose={() => drop('topUp')} /> : null}
          <QueryState query={balance}>{(b) => <BalanceCards b={b} />}</QueryState>
          <TopUpPanel key={`${organizationId}:${suggested ?? ''}`} organizationId={organizationId} suggested={suggested} />
          <HistoryTable organizationId={organizationId} />
        </>
      ) : null}
    </>
  );
}
