/** One register: model, serial, РНМ, status, FN history with expiry, the current shift, last documents, notifications. */
import { Button, Card, Col, Row, Space, Tag } from 'antd';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useCurrentShift, useLastDocuments, useRegister, useRegisterNotifications, type RegisterDetail } from '../api/register';
import { CurrentShiftCard, DrivesCard, LastDocumentsCard, NotificationsCard } from '../components/RegisterCards';
import { RegisterDetails } from '../components/RegisterDetails';

/** Re-registration and deregistration applications to the FNS (features/kkt-registration). */
function RegistrationActions({ r }: { r: RegisterDetail }) {
  if (r.registrationStatus === 'deregistered') return <Tag>Снята с учёта в ФНС</Tag>;
  return (
    <Space wrap>
      <Link to={`/registers/${r.id}/reregister`}>
        <Button>Перерегистрировать</Button>
      </Link>
      <Link to={`/registers/${r.id}/deregister`}>
        <Button danger>Снять с учёта</Button>
      </Link>
    </Space>
  );
}

export default function RegisterPage() {
  const id = Number(useParams().id);
  const register = useRegister(id);
  const shift = useCurrentShift(id);
  const docs = useLastDocuments(id);
  const fns = register.data?.fiscalDrives.map((d) => d.fn) ?? [];
  const notifications = useRegisterNotifications(register.data?.organizationId ?? null, id, fns, register.data?.registrationNumber);
  return (
    <QueryState query={register} loadingLabel="Загружаем кассу…">
      {(r) => (
        <>
          <PageHeader title={`Касса РН ${r.registrationNumber}`} extra={<RegistrationActions r={r} />}>
            <Link to="/registers">← Кассы</Link>
          </PageHeader>
          <Row gutter={[16, 16]}>
            <Col xs={24}>
              <Card size="small">
                <RegisterDetails r={r} />
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <CurrentShiftCard shift={shift} />
            </Col>
            <Col xs={24} lg={12}>
              <NotificationsCard notifications={notifications} />
            </Col>
            <Col xs={24}>
              <DrivesCard drives={r.fiscalDrives} />
            </Col>
            <Col xs={24}>
              <LastDocumentsCard registerId={r.id} docs={docs} />
            </Col>
          </Row>
        </>
      )}
    </QueryState>
  );
}
