/**
 * The browser signing port: list the user's certificates and make a detached CMS (CAdES-BES) of some bytes. The real
 * adapter is the CryptoPro CAdES browser plug-in (`window.cadesplugin`, its asynchronous API); tests and demos provide
 * another Signer through SignerContext (a test signer with certificates generated in the test).
 */
import { createContext, useContext } from 'react';

export interface SigningCertificate {
  /** SHA-1 thumbprint, hex: how the signer picks the certificate. */
  thumbprint: string;
  subject: string;
  issuer: string;
  validTo: string;
}

export interface Signer {
  readonly name: string;
  listCertificates(): Promise<SigningCertificate[]>;
  /** Detached CMS of `data`, DER in base64. */
  signDetached(thumbprint: string, data: Uint8Array): Promise<string>;
}

export class SignerUnavailable extends Error {
  override readonly name = 'SignerUnavailable';
}

// The plug-in's constants (CAdESCOM / CAPICOM), as documented by CryptoPro.
const CAPICOM_CURRENT_USER_STORE = 2;
const CAPICOM_MY_STORE = 'My';
const CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED = 2;
const CAPICOM_CERTIFICATE_INCLUDE_END_ENTITY_ONLY = 2;
const CADESCOM_BASE64_TO_BINARY = 1;
const CADESCOM_CADES_BES = 1;
const CADESCOM_AUTHENTICATED_ATTRIBUTE_SIGNING_TIME = 0;

/* The plug-in's objects: every property is a promise, setters are propset_X. */
type Async<T> = Promise<T>;
interface CadesCertificate {
  Thumbprint: Async<string>;
  SubjectName: Async<string>;
  IssuerName: Async<string>;
  ValidToDate: Async<string>;
}
interface CadesPlugin {
  CreateObjectAsync(name: string): Promise<Record<string, unknown>>;
}

function plugin(): Promise<CadesPlugin> {
  const p = (window as unknown as { cadesplugin?: Promise<void> & CadesPlugin }).cadesplugin;
  if (!p) return Promise.reject(new SignerUnavailable('КриптоПро ЭЦП Browser plug-in не установлен или не включён в браузере.'));
  // `cadesplugin` is a promise that settles once the plug-in has loaded, and also the object with CreateObjectAsync.
  // It must not be handed on as the promise's value: a thenable is adopted (its value, undefined, would come out), so a
  // plain object calls through to it.
  const loaded: Promise<void> = p;
  return loaded.then(() => ({ CreateObjectAsync: (name: string) => p.CreateObjectAsync(name) }));
}

const toBase64 = (data: Uint8Array): string => btoa(Array.from(data, (b) => String.fromCharCode(b)).join(''));

async function certificates(cp: CadesPlugin): Promise<CadesCertificate[]> {
  const store = (await cp.CreateObjectAsync('CAdESCOM.Store')) as { Open(a: number, b: string, c: number): Promise<void>; Certificates: Async<{ Count: Async<number>; Item(i: number): Promise<CadesCertificate> }>; Close(): Promise<void> };
  await store.Open(CAPICOM_CURRENT_USER_STORE, CAPICOM_MY_STORE, CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
  const all = await store.Certificates;
  const out: CadesCertificate[] = [];
  for (let i = 1; i <= (await all.Count); i++) out.push(await all.Item(i));
  await store.Close();
  return out;
}

export const cryptoProSigner: Signer = {
  name: 'КриптоПро ЭЦП Browser plug-in',
  async listCertificates() {
    const cp = await plugin();
    return Promise.all(
      (await certificates(cp)).map(async (c) => ({ thumbprint: await c.Thumbprint, subject: await c.SubjectName, issuer: await c.IssuerName, validTo: await c.ValidToDate })),
    );
  },
  async signDetached(thumbprint, data) {
    const cp = await plugin();
    const cert = (await Promise.all((await certificates(cp)).map(async (c) => ({ c, t: await c.Thumbprint })))).find((x) => x.t === thumbprint)?.c;
    if (!cert) throw new SignerUnavailable('Сертификат не найден в хранилище. Вставьте носитель с ключом (Рутокен, JaCarta) и повторите.');
    const signer = (await cp.CreateObjectAsync('CAdESCOM.CPSigner')) as Record<string, (v: unknown) => Promise<void>> & { AuthenticatedAttributes2: Async<{ Add(a: unknown): Promise<void> }> };
    await signer.propset_Certificate!(cert);
    await signer.propset_Options!(CAPICOM_CERTIFICATE_INCLUDE_END_ENTITY_ONLY);
    // signingTime: the server checks the certificate was valid when the document was signed.
    const time = (await cp.CreateObjectAsync('CAdESCOM.CPAttribute')) as Record<string, (v: unknown) => Promise<void>>;
    await time.propset_Name!(CADESCOM_AUTHENTICATED_ATTRIBUTE_SIGNING_TIME);
    await time.propset_Value!(new Date());
    await (await signer.AuthenticatedAttributes2).Add(time);
    const sd = (await cp.CreateObjectAsync('CAdESCOM.CadesSignedData')) as Record<string, (v: unknown) => Promise<void>> & { SignCades(s: unknown, type: number, detached: boolean): Promise<string> };
    await sd.propset_ContentEncoding!(CADESCOM_BASE64_TO_BINARY);
    await sd.propset_Content!(toBase64(data));
    return (await sd.SignCades(signer, CADESCOM_CADES_BES, true)).replace(/\s+/g, '');
  },
};

export const SignerContext = createContext<Signer>(cryptoProSigner);
export const useSigner = (): Signer => useContext(SignerContext);
