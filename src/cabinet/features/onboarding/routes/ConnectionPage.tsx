/**
 * Подключение кассы (issue 16): what to type into the register (the gateway's host and port, the operator's INN) and
 * the checklist «Что нужно для старта», with the organization's own progress where the cabinet knows it.
 */
import { Card, Descriptions, List, Space, Typography } from 'antd';
import { CheckCircleTwoTone, ClockCircleOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { useConnectionSettings, useOrganizationOffer, useOrganizations, usePrepared } from '../api/onboarding';
import { OrganizationSelect, useChosenOrganization } from '../components/OrganizationSelect';

export default function ConnectionPage() {
  const settings = useConnectionSettings();
  const { organizationId } = useChosenOrganization();
  const orgs = useOrganizations();
  const offer = useOrganizationOffer(organizationId);
  const prepared = usePrepared(organizationId);
  const done: Record<string, boolean | undefined> = {
    offer: offer.data?.acceptedCurrent,
    register: prepared.data === undefined ? undefined : prepared.data.items.length > 0,
    settings: prepared.data?.items.some((p) => p.lifecycle === 'connected'),
  };
  return (
    <>
      <PageHeader title="Подключение кассы" extra={<OrganizationSelect />} />
      {orgs.data && orgs.data.items.length === 0 ? (
        <Typography.Paragraph>
          Сначала <Link to="/onboarding/organization">зарегистрируйте организацию</Link>.
        </Typography.Paragraph>
      ) : null}
      <QueryState query={settings}>
        {(s) => (
          <Space direction="vertical" size="large" style={{ width: '100%' }}>
            <Card title="Настройки ОФД в кассе">
              <Descriptions column={1} bordered size="small">
                <Descriptions.Item label="Адрес сервера ОФД">
                  <Typography.Text copyable>{s.gateway.host}</Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label="Порт">
                  <Typography.Text copyable>{String(s.gateway.port)}</Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label="ИНН ОФД">
                  <Typography.Text copyable>{s.operatorInn}</Typography.Text>
                </Descriptions.Item>
              </Descriptions>
            </Card>
            <Card title="Что нужно для старта">
              <List
                dataSource={s.checklist}
                renderItem={(c) => (
                  <List.Item>
                    <List.Item.Meta
                      avatar={done[c.key] ? <CheckCircleTwoTone twoToneColor="#52c41a" aria-label="Готово" /> : <ClockCircleOutlined aria-label="Не сделано" />}
                      title={c.title}
                      description={c.description}
                    />
                  </List.Item>
                )}
              />
            </Card>
          </Space>
        )}
      </QueryState>
    </>
  );
}
