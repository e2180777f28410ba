// A test certification authority built with the `openssl` CLI (an implementation independent of ours): GOST R 34.10-2012
// keys through OpenSSL's gost engine (libengine-gost-openssl, installed by .ci/run), or RSA; certificates with chosen
// validity and subject OIDs (ИНН, ОГРН, СНИЛС), CRLs with revoked serials, detached CMS signatures. Everything lives in
// a temporary directory of its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyAlgorithm = 'gost' | 'rsa';

export function gostEngineMissing(): string | undefined {
  try {
    execFileSync('openssl', ['engine', 'gost', '-c'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `OpenSSL gost engine not available (apt-get install -y libengine-gost-openssl): ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
}

export interface Issued {
  readonly certPem: string;
  readonly certDer: Buffer;
  readonly keyFile: string;
  readonly certFile: string;
  /** Serial as lowercase hex. */
  readonly serial: string;
}

/**
 * OpenSSL 3.0 does not know ИНН ЮЛ (1.2.643.100.4) and `req -subj` silently drops an OID it does not know: the CA's
 * config names it (oid_section), and subjects use that name.
 */
const EXTRA_OIDS: Record<string, string> = { '1.2.643.100.4': 'innLE' };

/** `/CN=x/innLE=7704211201` from ordered pairs (dotted OIDs allowed). */
const subjectArg = (subject: ReadonlyArray<readonly [string, string]>) =>
  subject.map(([k, v]) => `/${EXTRA_OIDS[k] ?? k}=${v.replaceAll('/', '\\/')}`).join('');

/** YYMMDDHHMMSSZ for openssl ca. */
const caTime = (d: Date) => d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');

export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  private serialCounter = 0x1000;
  readonly root: Issued;

  constructor(
    readonly algorithm: KeyAlgorithm,
    name = 'Тестовый УЦ',
  ) {
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'crlnumber'), '01\n');
    writeFileSync(join(this.dir, 'ca.cnf'), this.config());
    const key = this.newKey('root');
    const certFile = join(this.dir, 'root.pem');
    this.run(['req', '-new', '-x509', '-key', key, '-subj', subjectArg([['CN', name], ['O', name]]), '-days', '3650', this.md(), '-utf8', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', certFile]);
    this.root = this.issuedFrom('root', certFile, key);
  }

  private engine = (): string[] => (this.algorithm === 'gost' ? ['-engine', 'gost'] : []);
  private md = (): string => (this.algorithm === 'gost' ? '-md_gost12_256' : '-sha256');

  private config(): string {
    const d = this.dir;
    return [
      'oid_section = extra_oids',
      '[ extra_oids ]',
      ...Object.entries(EXTRA_OIDS).map(([o, n]) => `${n} = ${o}`),
      '[ req ]',
      'distinguished_name = req_dn',
      'string_mask = utf8only',
      '[ req_dn ]',
      '[ ca ]',
      'default_ca = ca_default',
      '[ ca_default ]',
      `database = ${d}/index.txt`,
      `crlnumber = ${d}/crlnumber`,
      `new_certs_dir = ${d}`,
      `serial = ${d}/serial`,
      `default_md = ${this.algorithm === 'gost' ? 'md_gost12_256' : 'sha256'}`,
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      'string_mask = utf8only',
      '[ policy_any ]',
      'commonName = supplied',
      '[ leaf_ext ]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,nonRepudiation',
      '[ ca_ext ]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      '',
    ].join('\n');
  }

  private run(args: string[]): string {
    const [cmd, ...rest] = args;
    return execFileSync('openssl', [cmd!, ...this.engine(), ...rest], { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir }).toString();
  }

  private newKey(name: string): string {
    const file = join(this.dir, `${name}.key`);
    if (this.algorithm === 'gost') execFileSync('openssl', ['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', file], { stdio: 'pipe' });
    else execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file], { stdio: 'pipe' });
    return file;
  }

  private issuedFrom(name: string, certFile: string, keyFile: string): Issued {
    const certPem = readFileSync(certFile, 'utf8');
    const certDer = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const serial = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-serial'], { stdio: 'pipe' }).toString().trim().replace(/^serial=/, '').toLowerCase().replace(/^(00)+(?=.)/, '');
    void name;
    return { certPem, certDer, keyFile, certFile, serial };
  }

  /** A certificate for `subject`, valid from `notBefore` to `notAfter` (default: an hour ago to a year ahead). */
  issue(name: string, subject: ReadonlyArray<readonly [string, string]>, opts: { notBefore?: Date; notAfter?: Date; ca?: boolean; issuer?: Issued } = {}): Issued {
    const key = this.newKey(name);
    const csr = join(this.dir, `${name}.csr`);
    const certFile = join(this.dir, `${name}.pem`);
    this.run(['req', '-new', '-config', join(this.dir, 'ca.cnf'), '-key', key, '-subj', subjectArg(subject), '-utf8', '-out', csr]);
    writeFileSync(join(this.dir, 'serial'), `${(this.serialCounter++).toString(16).toUpperCase()}\n`);
    const issuer = opts.issuer ?? this.root;
    this.run([
      'ca', '-batch', '-config', join(this.dir, 'ca.cnf'), '-in', csr, '-out', certFile, '-notext', '-preserveDN', '-utf8',
      '-cert', issuer.certFile, '-keyfile', issuer.keyFile, '-extensions', opts.ca ? 'ca_ext' : 'leaf_ext',
      '-startdate', caTime(opts.notBefore ?? new Date(Date.now() - 3600_000)), '-enddate', caTime(opts.notAfter ?? new Date(Date.now() + 365 * 86400_000)),
    ]);
    return this.issuedFrom(name, certFile, key);
  }

  /** Marks `cert` revoked in the CA database (revoked an hour ago). */
  revoke(cert: Issued): void {
    this.run(['ca', '-config', join(this.dir, 'ca.cnf'), '-cert', this.root.certFile, '-keyfile', this.root.keyFile, '-revoke', cert.certFile]);
  }

  /** The root's current CRL (DER), valid for a day. */
  crl(): Buffer {
    const out = join(this.dir, 'crl.der.pem');
    this.run(['ca', '-gencrl', '-config', join(this.dir, 'ca.cnf'), '-cert', this.root.certFile, '-keyfile', this.root.keyFile, '-crldays', '1', '-out', out]);
    return Buffer.from(readFileSync(out, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  }

  /** A detached CMS (DER) of `content` by `signer`, with signingTime, its certificate included (like the CAdES plug-in). */
  signDetached(signer: Issued, content: Buffer, extraCerts: Issued[] = []): Buffer {
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const input = join(this.dir, `content-${stamp}`);
    const output = join(this.dir, `sig-${stamp}.der`);
    writeFileSync(input, content);
    const certfile = extraCerts.length > 0 ? join(this.dir, `chain-${stamp}.pem`) : undefined;
    if (certfile) for (const c of extraCerts) appendFileSync(certfile, c.certPem);
    this.run(['cms', '-sign', '-binary', '-in', input, '-signer', signer.certFile, '-inkey', signer.keyFile, '-md', this.algorithm === 'gost' ? 'md_gost12_256' : 'sha256', '-outform', 'DER', '-out', output, ...(certfile ? ['-certfile', certfile] : [])]);
    return readFileSync(output);
  }
}
