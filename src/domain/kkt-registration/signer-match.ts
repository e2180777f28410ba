/**
 * The application names its signer (Подписант: ФИО); the FNS takes the application only from the certificate's owner.
 * Qualified certificates carry the person's surname (SN) and «имя отчество» (GN): when they do, the application's
 * signer must be that person — compared without case, ё/е and extra spaces. A certificate without them is not judged.
 */
const norm = (s: string): string => s.toLowerCase().replaceAll('ё', 'е').replace(/\s+/g, ' ').trim();

export function signerNameMismatch(signer: { lastName: string; firstName: string }, owner: { surname?: string | undefined; givenName?: string | undefined }): string | undefined {
  if (owner.surname && norm(owner.surname) !== norm(signer.lastName)) {
    return `в заявлении: ${signer.lastName} ${signer.firstName}, в сертификате: ${owner.surname} ${owner.givenName ?? ''}`.trim();
  }
  const first = owner.givenName ? norm(owner.givenName).split(' ')[0] : undefined;
  if (first && first !== norm(signer.firstName)) return `в заявлении: ${signer.lastName} ${signer.firstName}, в сертификате: ${owner.surname ?? ''} ${owner.givenName ?? ''}`.trim();
  return undefined;
}
