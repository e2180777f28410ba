/**
 * The trust anchors as data: a PEM bundle of the accredited CAs' certificates (OFD_SIGNATURE_CA_FILE) and a directory
 * of their CRLs (OFD_SIGNATURE_CRL_DIR, PEM or DER files, refreshed by ops or a cron job). Read on demand and cached for
 * `reloadMs`, so a CRL dropped into the directory is used without a restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrustAnchors } from './verify-signed.js';
import { derBlocks, parseCertificate, parseCrl, type Crl } from './x509.js';

export interface TrustStoreOptions {
  readonly caFile?: string | undefined;
  readonly crlDir?: string | undefined;
  /** Default 5 minutes. */
  readonly reloadMs?: number;
}

export function loadTrustAnchors(o: TrustStoreOptions): TrustAnchors {
  const anchors = o.caFile ? derBlocks(readFileSync(o.caFile), 'CERTIFICATE').map(parseCertificate) : [];
  const crls: Crl[] = [];
  if (o.crlDir) {
    for (const name of readdirSync(o.crlDir).sort()) {
      if (!/\.(crl|pem|der)$/i.test(name)) continue;
      for (const der of derBlocks(readFileSync(join(o.crlDir, name)), 'X509 CRL')) crls.push(parseCrl(der));
    }
  }
  return { anchors, crls };
}

export function createTrustStore(o: TrustStoreOptions): () => TrustAnchors {
  let cached: { at: number; value: TrustAnchors } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > (o.reloadMs ?? 300_000)) cached = { at: Date.now(), value: loadTrustAnchors(o) };
    return cached.value;
  };
}
