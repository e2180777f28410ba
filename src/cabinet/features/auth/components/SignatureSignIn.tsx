import { Alert, Button, Select, Space } from 'antd';
import { useState } from 'react';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import { SignerUnavailable, useSigner, type SigningCertificate } from '../../../lib/signer';
import { useSignInWithSignature } from '../api/session';

/** «Войти с помощью ЭЦП»: lists the certificates of the signing plug-in, signs the server's challenge with the chosen one. */
export function SignatureSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const signer = useSigner();
  const signIn = useSignInWithSignature();
  const [certs, setCerts] = useState<SigningCertificate[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  async function open() {
    setProblem(undefined);
    try {
      const list = await signer.listCertificates();
      setCerts(list);
      setChosen(list[0]?.thumbprint);
      if (list.length === 0) setProblem('Сертификаты не найдены. Вставьте носитель с ключом (Рутокен, JaCarta) и повторите.');
    } catch (e) {
      setProblem(e instanceof SignerUnavailable ? e.message : `Не удалось прочитать сертификаты: ${(e as Error).message}`);
    }
  }

  const error = signIn.error instanceof ApiFailure ? errorText(signIn.error) : signIn.error ? `Подпись не создана: ${(signIn.error as Error).message}` : undefined;
  return (
    <Space orientation="vertical" style={{ width: '100%', marginTop: 16 }}>
      {!certs ? (
        <Button block onClick={() => void open()}>
          Войти с помощью ЭЦП
        </Button>
      ) : (
        <>
          <Select aria-label="Сертификат для входа" style={{ width: '100%' }} value={chosen} onChange={setChosen} options={certs.map((c) => ({ value: c.thumbprint, label: `${c.subject} — до ${c.validTo}` }))} />
          <Button
            block
            type="primary"
            disabled={!chosen}
            loading={signIn.isPending}
            onClick={() => signIn.mutate({ sign: (data) => signer.signDetached(chosen!, data) }, { onSuccess: onSignedIn })}
          >
            Подписать и войти
          </Button>
        </>
      )}
      {problem ? <Alert type="warning" showIcon role="alert" title={problem} /> : null}
      {error ? <Alert type="error" showIcon role="alert" title={error} /> : null}
    </Space>
  );
}
