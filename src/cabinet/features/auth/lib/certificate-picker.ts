import { useState } from 'react';
import { SignerUnavailable, useSigner, type SigningCertificate } from '../../../lib/signer';

/**
 * The signing plug-in's certificates for a choice (signature sign-in, binding a certificate): `open()` reads them and
 * preselects the first; `problem` says what to do when there are none or the plug-in is missing.
 */
export function useCertificatePicker() {
  const signer = useSigner();
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

  return { signer, certs, chosen, setChosen, problem, open };
}
