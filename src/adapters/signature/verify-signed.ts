/**
 * The server-side check of a customer's qualified signature: the CMS signature itself (cms.ts), then the certificate —
 * a chain to a configured trusted CA (the accredited CA list), valid at the signing time, not revoked by its CA's CRL —
 * and who owns it (ИНН / ОГРН / СНИЛС from the subject). The signing time is the signer's claim, so it must be recent:
 * an old or future signingTime could dodge an expiry or a revocation.
 */
import { verifyCmsSignature } from './cms.js';
import { SignatureError } from './errors.js';
import { isSignedBy, SUBJECT_OIDS, type Certificate, type Crl } from './x509.js';

export interface TrustAnchors {
  /** Trusted CA certificates (accredited CAs' roots and intermediates): a chain must end at one of them. */
  readonly anchors: readonly Certificate[];
  /** CRLs of those CAs (and of intermediates); a stale one (past nextUpdate) counts as absent. */
  readonly crls: readonly Crl[];
}

export interface VerifyOptions {
  readonly now?: Date;
  /** How far in the past signingTime may be. Default 24 h. */
  readonly maxSigningAgeMs?: number;
  /** How far in the future signingTime may be (clock skew). Default 5 min. */
  readonly maxClockSkewMs?: number;
  /** Refuse when an issuer in the chain has no current CRL. Default false (checked when there is one). */
  readonly requireCrl?: boolean;
}

export interface CertificateOwner {
  readonly commonName: string | undefined;
  readonly organizationName: string | undefined;
  /** The organization's 10-digit INN (ИНН ЮЛ, or a legacy 12-digit «00…» ИНН). */
  readonly organizationInn: string | undefined;
  /** The person's 12-digit INN. */
  readonly personInn: string | undefined;
  readonly ogrn: string | undefined;
  readonly ogrnip: string | undefined;
  readonly snils: string | undefined;
  /** The person: surname (SN) and given name with patronymic (GN, «Иван Иванович»), as qualified certificates carry them. */
  readonly surname?: string | undefined;
  readonly givenName?: string | undefined;
}

export interface VerifiedSignature {
  readonly signer: Certificate;
  readonly chain: readonly Certificate[];
  readonly signingTime: Date;
  readonly owner: CertificateOwner;
}

const MAX_CHAIN = 6;

function buildChain(leaf: Certificate, pool: readonly Certificate[], anchors: readonly Certificate[]): Certificate[] {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (anchors.some((a) => a.der.equals(current.der))) return chain;
    const anchor = anchors.find((a) => a.subjectKey === current.issuerKey && isSignedBy(current, a));
    if (anchor) return [...chain, anchor];
    const next = pool.find((c) => c.isCa && c !== current && c.subjectKey === current.issuerKey && isSignedBy(current, c));
    if (!next) break;
    chain.push(next);
    current = next;
  }
  throw new SignatureError('CHAIN_UNTRUSTED');
}

function checkValidity(chain: readonly Certificate[], at: Date): void {
  for (const c of chain) {
    if (at < c.notBefore) throw new SignatureError('CERT_NOT_YET_VALID', `до ${c.notBefore.toISOString()}`);
    if (at > c.notAfter) throw new SignatureError('CERT_EXPIRED', `до ${c.notAfter.toISOString()}`);
  }
}

function checkRevocation(chain: readonly Certificate[], crls: readonly Crl[], now: Date, requireCrl: boolean): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    const crl = crls.find((l) => l.issuerKey === issuer.subjectKey && l.thisUpdate <= now && (!l.nextUpdate || l.nextUpdate >= now) && isSignedBy(l, issuer));
    if (!crl) {
      if (requireCrl) throw new SignatureError('CRL_UNAVAILABLE');
      continue;
    }
    const revokedAt = crl.revoked.get(cert.serial);
    if (revokedAt && revokedAt <= now) throw new SignatureError('CERT_REVOKED', `с ${revokedAt.toISOString()}`);
  }
}

export function ownerOf(cert: Certificate): CertificateOwner {
  const s = cert.subject;
  const inn = s.get(SUBJECT_OIDS.inn)?.trim();
  const innLe = s.get(SUBJECT_OIDS.innLe)?.trim();
  const legacyOrgInn = inn && /^00\d{10}$/.test(inn) ? inn.slice(2) : undefined;
  return {
    commonName: s.get(SUBJECT_OIDS.commonName),
    organizationName: s.get(SUBJECT_OIDS.organizationName),
    organizationInn: innLe ?? legacyOrgInn,
    personInn: inn && /^\d{12}$/.test(inn) && !legacyOrgInn ? inn : undefined,
    ogrn: s.get(SUBJECT_OIDS.ogrn)?.trim(),
    ogrnip: s.get(SUBJECT_OIDS.ogrnip)?.trim(),
    snils: s.get(SUBJECT_OIDS.snils)?.trim(),
    surname: s.get(SUBJECT_OIDS.surname)?.trim(),
    givenName: s.get(SUBJECT_OIDS.givenName)?.trim(),
  };
}

/**
 * Whether the certificate's owner is this organization: a legal entity by its 10-digit INN (and ОГРН when both have
 * one), an entrepreneur by the 12-digit INN (and ОГРНИП).
 */
export function ownerMatchesOrganization(owner: CertificateOwner, org: { inn: string; ogrn?: string | null | undefined }): boolean {
  if (org.inn.length === 10) return owner.organizationInn === org.inn && (!org.ogrn || !owner.ogrn || owner.ogrn === org.ogrn);
  return owner.personInn === org.inn && (!org.ogrn || !owner.ogrnip || owner.ogrnip === org.ogrn);
}

/** Which of the owner's numbers differs from the organization's, both values named (the customer sees it as is). */
export function ownerMismatchDetail(owner: CertificateOwner, org: { inn: string; ogrn?: string | null | undefined }): string {
  const inn = org.inn.length === 10 ? owner.organizationInn : owner.personInn;
  if (inn !== org.inn) {
    const found = owner.organizationInn ?? owner.personInn;
    return found ? `ИНН в сертификате: ${found}, у организации: ${org.inn}` : `в сертификате нет ИНН ${org.inn.length === 10 ? 'организации' : 'предпринимателя'}`;
  }
  const ogrn = org.inn.length === 10 ? owner.ogrn : owner.ogrnip;
  return `${org.inn.length === 10 ? 'ОГРН' : 'ОГРНИП'} в сертификате: ${ogrn ?? 'нет'}, у организации: ${org.ogrn ?? 'нет'}`;
}

/** Verifies a detached CMS signature of `content` against the trust anchors. Throws SignatureError. */
export function verifySignedContent(cms: Buffer, content: Buffer, trust: TrustAnchors, opts: VerifyOptions = {}): VerifiedSignature {
  const now = opts.now ?? new Date();
  const sig = verifyCmsSignature(cms, content);
  if (!sig.signingTime) throw new SignatureError('SIGNING_TIME_MISSING');
  const age = now.getTime() - sig.signingTime.getTime();
  if (age > (opts.maxSigningAgeMs ?? 24 * 3600_000) || -age > (opts.maxClockSkewMs ?? 5 * 60_000)) throw new SignatureError('SIGNING_TIME_OUT_OF_RANGE');
  const chain = buildChain(sig.signer, sig.certificates, trust.anchors);
  checkValidity(chain, sig.signingTime);
  checkRevocation(chain, trust.crls, now, opts.requireCrl ?? false);
  return { signer: sig.signer, chain, signingTime: sig.signingTime, owner: ownerOf(sig.signer) };
}

/** verifySignedContent, then the owner must be the organization (OWNER_MISMATCH otherwise). */
export function verifyOrganizationSignature(
  cms: Buffer,
  content: Buffer,
  org: { inn: string; ogrn?: string | null | undefined },
  trust: TrustAnchors,
  opts: VerifyOptions = {},
): VerifiedSignature {
  const v = verifySignedContent(cms, content, trust, opts);
  if (!ownerMatchesOrganization(v.owner, org)) throw new SignatureError('OWNER_MISMATCH', ownerMismatchDetail(v.owner, org));
  return v;
}
