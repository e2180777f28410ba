import { ReportScreen } from '../components/ReportScreen';
import { ReportTable } from '../components/ReportTable';
import type { ScreenContext } from './context';

export default function UnsentScreen(ctx: ScreenContext) {
  const query = { organizationId: ctx.query.organizationId, outletId: ctx.query.outletId, registerId: ctx.query.registerId };
  return (
    <ReportScreen name="unsent" query={query} emptyTitle="Пропусков нет: все документы переданы" emptyHint="Если касса давно не выходила на связь, проверьте её на странице «Кассы».">
      {(r) => <ReportTable report={r} rowKey={(row) => `${row['fn']}`} linkOf={(row, key) => (key === 'registrationNumber' && row['registerId'] ? `/registers/${row['registerId']}` : undefined)} />}
    </ReportScreen>
  );
}
