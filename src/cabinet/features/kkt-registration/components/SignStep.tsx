import { Alert, Button, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { errorText } from '../../../lib/api/errors';
import { SignerUnavailable, useSigner, type SigningCertificate } from '../../../lib/signer';

/** Pick a certificate from the signing plug-in and sign `data`; `onSigned` gets the detached CMS (base64). */
export function SignStep({ data, busy, error, onSigned }: { data: Uint8Array; busy: boolean; error: unknown; onSigned: (cms: string) => void }) {
  const signer = useSigner();
  const [certs, setCerts] = useState<SigningCertificate[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [signing, setSigning] = useState(false);

  useEffect(() => {
    signer.listCertificates().then(
      (list) => {
        setCerts(list);
        setChosen(list[0]?.thumbprint);
      },
      (e: unknown) => setProblem(e instanceof SignerUnavailable ? e.message : `Не удалось прочитать сертификаты: ${(e as Error).message}`),
    );
  }, [signer]);

  async function sign() {
    if (!chosen) return;
    setSigning(true);
    setProblem(undefined);
    try {
      onSigned(await signer.signDetached(chosen, data));
    } catch (e) {
      setProblem(e instanceof SignerUnavailable ? e.message : `Подпись не создана: ${(e as Error).message}`);
    } finally {
      setSigning(false);
    }
  }

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph>
        Заявление подписывается квалифицированной электронной подписью руководителя организации (или ИП) через {signer.name}.
      </Typography.Paragraph>
      {problem ? <Alert type="error" showIcon role="alert" title={problem} /> : null}
      {certs && certs.length === 0 ? <Alert type="warning" showIcon title="Сертификаты не найдены. Вставьте носитель с ключом (Рутокен, JaCarta) и обновите страницу." /> : null}
      <Select
        aria-label="Сертификат"
        style={{ width: '100%' }}
        loading={!certs && !problem}
        value={chosen}
        onChange={setChosen}
        options={(certs ?? []).map((c) => ({ value: c.thumbprint, label: `${c.subject} — до ${c.validTo}` }))}
      />
      {error ? <Alert type="error" showIcon role="alert" title={errorText(error)} /> : null}
      <Button type="primary" disabled={!chosen} loading={signing || busy} onClick={() => void sign()}>
        Подписать и отправить в ФНС
      </Button>
    </Space>
  );
}
