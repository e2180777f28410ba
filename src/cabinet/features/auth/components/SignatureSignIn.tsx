import { Alert, Button, Select, Space } from 'antd';
import { errorText, ApiFailure } from '../../../lib/api/errors';
import { useCertificatePicker } from '../lib/certificate-picker';
import { useSignInWithSignature } from '../api/session';

/** «Войти с помощью ЭЦП»: lists the certificates of the signing plug-in, signs the server's challenge with the chosen one. */
export function SignatureSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { signer, certs, chosen, setChosen, problem, open } = useCertificatePicker();
  const signIn = useSignInWithSignature();

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
