/**
 * Account → «Вход по ЭЦП»: which СНИЛС / ИНН sign this user in with an electronic signature, and binding another
 * certificate (the plug-in signs a fresh challenge; the server reads the owner from the certificate it verified).
 */
import { Alert, Button, Card, List, Select, Space, Typography } from 'antd';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import { formatInstant } from '../../../lib/format';
import { useCertificatePicker } from '../lib/certificate-picker';
import { useBindSignature, useSignatureIdentities } from '../api/session';

const KIND = { snils: 'СНИЛС', inn: 'ИНН' } as const;

export default function SignatureIdentitiesPage() {
  const identities = useSignatureIdentities();
  const bind = useBindSignature();
  const { signer, certs, chosen, setChosen, problem, open } = useCertificatePicker();

  const error = bind.error instanceof ApiFailure ? errorText(bind.error) : bind.error ? `Подпись не создана: ${(bind.error as Error).message}` : undefined;
  return (
    <>
      <PageHeader title="Вход по электронной подписи" />
      <Card>
        <Typography.Paragraph>
          Привяжите квалифицированный сертификат — и входите кнопкой «Войти с помощью ЭЦП» без пароля. Сертификат узнаём по СНИЛС (или ИНН руководителя), указанным в нём.
        </Typography.Paragraph>
        <QueryState query={identities} isEmpty={(d) => d.items.length === 0} empty="Сертификаты ещё не привязаны.">
          {(d) => <List size="small" dataSource={d.items} renderItem={(i) => <List.Item key={`${i.kind}-${i.value}`}>{`${KIND[i.kind]} ${i.value} — привязан ${formatInstant(i.createdAt)}`}</List.Item>} />}
        </QueryState>
        <Space orientation="vertical" style={{ width: '100%', marginTop: 16 }}>
          {!certs ? (
            <Button onClick={() => void open()}>Привязать сертификат</Button>
          ) : (
            <>
              <Select aria-label="Сертификат для привязки" style={{ width: '100%' }} value={chosen} onChange={setChosen} options={certs.map((c) => ({ value: c.thumbprint, label: `${c.subject} — до ${c.validTo}` }))} />
              <Button type="primary" disabled={!chosen} loading={bind.isPending} onClick={() => bind.mutate({ sign: (data) => signer.signDetached(chosen!, data) })}>
                Подписать и привязать
              </Button>
            </>
          )}
          {bind.isSuccess ? <Alert type="success" showIcon role="status" title="Сертификат привязан: теперь можно входить с помощью ЭЦП." /> : null}
          {problem ? <Alert type="warning" showIcon role="alert" title={problem} /> : null}
          {error ? <Alert type="error" showIcon role="alert" title={error} /> : null}
        </Space>
      </Card>
    </>
  );
}
