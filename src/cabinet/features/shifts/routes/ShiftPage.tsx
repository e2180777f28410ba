/** One closed shift: the Z-report's counters reconciled with the receipts received, and the missing documents listed. */
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useZReport } from '../api/shifts';
import { ZReportView } from '../components/ZReportView';

export default function ShiftPage() {
  const { fn = '', shiftNumber: n = '' } = useParams();
  const shiftNumber = Number(n);
  const z = useZReport(fn, shiftNumber);
  return (
    <>
      <PageHeader title={`Смена № ${shiftNumber}: Z-отчёт`}>
        <Link to="/shifts">← Закрытые смены</Link>
      </PageHeader>
      <QueryState query={z} loadingLabel="Загружаем Z-отчёт…">
        {(d) => <ZReportView d={d} />}
      </QueryState>
    </>
  );
}
