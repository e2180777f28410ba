/** «Маркет» (issue 17): SMS packages, postpaid SMS, activation codes, branded e-receipts; every purchase is paid from the balance. */
import { Card } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingState, QueryState } from '../../../components/QueryState';
import { useBalance, useProducts } from '../api/billing';
import { ActivationCodes } from '../components/ActivationCodes';
import { BalanceCards } from '../components/BalanceCards';
import { BillingNav } from '../components/BillingNav';
import { BrandedReceipts } from '../components/BrandedReceipts';
import { NoOrganization, OrganizationPicker, useBillingOrganization } from '../components/OrganizationPicker';
import { SmsPackages } from '../components/SmsPackages';
import { SmsPostpaid } from '../components/SmsPostpaid';

export default function MarketPage() {
  const { organizationId, loading, none } = useBillingOrganization();
  const balance = useBalance(organizationId);
  const products = useProducts();
  return (
    <>
      <PageHeader title="Маркет" extra={<OrganizationPicker />} />
      <BillingNav />
      {loading ? <LoadingState /> : null}
      {none ? <NoOrganization /> : null}
      {organizationId !== undefined ? (
        <QueryState query={balance}>
          {(b) => (
            <>
              <BalanceCards b={b} />
              <Card size="small" title="Пакеты SMS для отправки чеков">
                <QueryState query={products}>{(p) => <SmsPackages organizationId={organizationId} products={p.items} balances={b} />}</QueryState>
              </Card>
              {products.data ? <SmsPostpaid organizationId={organizationId} products={products.data.items} /> : null}
              <ActivationCodes organizationId={organizationId} balances={b} />
              <BrandedReceipts organizationId={organizationId} balances={b} />
            </>
          )}
        </QueryState>
      ) : null}
    </>
  );
}
