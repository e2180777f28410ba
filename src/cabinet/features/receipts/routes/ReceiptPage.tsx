import { PrinterOutlined } from '@ant-design/icons';
import { Col, Row } from 'antd';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { ErrorState, QueryState } from '../../../components/QueryState';
import { useReceipt, type ReceiptDetail } from '../api/receipts';
import { PaperReceipt } from '../components/PaperReceipt';
import { ReceiptStatusCard, ReceiptTabs } from '../components/ReceiptStatus';

function ReceiptView({ fn, fd, d }: { fn: string; fd: number; d: ReceiptDetail }) {
  const [formName, body] = Object.entries(d.document)[0] ?? ['document', {}];
  const doc = (body ?? {}) as Record<string, unknown>;
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} md={10} style={{ display: 'flex', justifyContent: 'center' }}>
        <PaperReceipt formName={formName} doc={doc} qr={d.qr} />
      </Col>
      <Col xs={24} md={14}>
        <ReceiptStatusCard d={d} />
        <ReceiptTabs fn={fn} fd={fd} d={d} doc={doc} />
      </Col>
    </Row>
  );
}

export default function ReceiptPage() {
  const { fn = '', fd: fdText = '' } = useParams();
  const fd = Number(fdText);
  const valid = /^\d{16}$/.test(fn) && Number.isSafeInteger(fd) && fd > 0;
  const detail = useReceipt(fn, fd);
  if (!valid) return <ErrorState error={new Error('bad link')} />;

  return (
    <>
      <PageHeader
        title={`Чек ФД ${fd}`}
        extra={
          <a href={`/api/v1/documents/${fn}/${fd}/print`} target="_blank" rel="noreferrer" className="no-print">
            <PrinterOutlined /> Печать
          </a>
        }
      >
        <Link to="/receipts">← Все чеки</Link>
      </PageHeader>
      <QueryState query={detail} loadingLabel="Загружаем чек…">
        {(d) => <ReceiptView fn={fn} fd={fd} d={d} />}
      </QueryState>
    </>
  );
}
