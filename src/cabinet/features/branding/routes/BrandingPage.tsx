/**
 * «Оформление чеков» (issue 17): the look of the organization's e-receipts — logo, colours, header and footer text, up
 * to three banners with links — with a live preview of a sample receipt beside the form (below it on a phone). Owners
 * and admins change it; other members see it.
 */
import { Select, Typography } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useUrlFilters } from '../../../lib/url-filters';
import { useBrand, useOrganizations } from '../api/branding';
import { BrandedServiceStatus } from '../components/BrandedServiceStatus';
import { BrandForm } from '../components/BrandForm';

const FILTERS = { organizationId: 'int' } as const;

/** The organization the page works on: `?organizationId=`, else the first one. */
function useOrganization() {
  const [f, setF] = useUrlFilters(FILTERS);
  const orgs = useOrganizations();
  const items = orgs.data?.items ?? [];
  const chosen = items.find((o) => o.id === f.organizationId) ?? items[0];
  return { orgs, chosen, choose: (organizationId: number) => setF({ organizationId }) };
}

export default function BrandingPage() {
  const { orgs, chosen, choose } = useOrganization();
  const brand = useBrand(chosen?.id);
  const canEdit = chosen !== undefined && (chosen.role === 'owner' || chosen.role === 'admin' || chosen.role === null);
  const select =
    (orgs.data?.items.length ?? 0) > 1 ? (
      <Select
        aria-label="Организация"
        value={chosen?.id}
        onChange={choose}
        options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name ?? 'Организация'} (ИНН ${o.inn})` }))}
        style={{ minWidth: 280 }}
      />
    ) : null;
  return (
    <>
      <PageHeader title="Оформление чеков" extra={select}>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          Как выглядят электронные чеки, которые получают ваши покупатели: письмо с чеком и страница чека по ссылке из SMS и Viber.
        </Typography.Paragraph>
      </PageHeader>
      <QueryState query={orgs} isEmpty={(d) => d.items.length === 0} empty={<p>Сначала подключите организацию.</p>}>
        {() => (
          <>
            <BrandedServiceStatus organizationId={chosen!.id} />
            <QueryState query={brand}>{(b) => <BrandForm key={chosen!.id} organizationId={chosen!.id} brand={b} canEdit={canEdit} />}</QueryState>
          </>
        )}
      </QueryState>
    </>
  );
}
