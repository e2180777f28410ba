/**
 * The content half of "stored exactly once": what the OFD stored, compared with what the registers sent and had
 * acknowledged (issue 4's check). Counting rows proves nothing was lost or doubled; this proves nothing was changed.
 *
 * - Every acknowledged document: SHA-256 of the stored raw_container = SHA-256 of the container the emulator sent (the
 *   message after its 30-byte session header), compared in one query.
 * - A sample (`viewEvery`: the documents whose FD is a multiple of it; 1 = all): the view `ofd show <fn> <fd>` prints
 *   (findDocumentView, the same function) against the emulator's own model of the document — every FNS JSON field it
 *   built (protocol/document-json encoded them; the OFD decoded them again), rawData byte for byte, and
 *   messageFiscalSign = the 8-byte ФПС trailer of the sent container.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CONTAINER_HEADER_LENGTH } from '../protocol/container.js';
import { SESSION_HEADER_LENGTH } from '../protocol/session-header.js';
import { createDb } from '../src/db/database.js';
import { findDocumentView } from '../src/db/document-view.repository.js';
import { unpackRawContainer } from '../src/db/raw-container.js';
import type { GeneratedDocument } from '../src/emulator/document-stream.js';
import { loadRawContexts } from '../src/db/raw-contexts.js';

export interface ContentCheckResult {
  /** Acknowledged documents whose stored bytes were compared. */
  compared: number;
  /** Stored raw_container differs from what was sent (or a document was acked twice with different bytes). */
  byteMismatches: number;
  /** Sampled documents whose `ofd show` view was compared field by field. */
  viewsCompared: number;
  viewMismatches: number;
  /** Up to 10 `fn:fd what` lines. */
  mismatchSample: string[];
}

interface Sent {
  digest: string;
  /** Kept for sampled documents only (memory: a fault run acknowledges 100 000 of them). */
  sample: { container: Buffer; document: GeneratedDocument } | undefined;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Through JSON, as `ofd show` prints it: the emulator's values may be numbers where JSON has the same numbers. */
const asPrinted = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

export class SentDocuments {
  private readonly sent = new Map<string, Sent>();
  private conflicts: string[] = [];

  constructor(private readonly viewEvery: number) {}

  /** An ack from the OFD: `sent` is the whole message (session header + container) that ack answered. */
  acknowledged(fn: string, fd: number, sent: Buffer, document: GeneratedDocument): void {
    const key = `${fn}:${fd}`;
    const container = sent.subarray(SESSION_HEADER_LENGTH);
    const digest = sha256(container);
    const earlier = this.sent.get(key);
    if (earlier) {
      if (earlier.digest !== digest) this.conflicts.push(`${key} acknowledged twice with different bytes`);
      return;
    }
    this.sent.set(key, { digest, sample: fd % this.viewEvery === 0 ? { container: Buffer.from(container), document } : undefined });
  }

  async check(databaseUrl: string): Promise<ContentCheckResult> {
    const handle = createDb(databaseUrl, { maxConnections: 2, applicationName: 'ofd-harness' });
    const problems = [...this.conflicts];
    try {
      const keys = [...this.sent.keys()].map((k) => k.split(':') as [string, string]);
      // The stored bytes are packed (src/db/raw-container.ts): unpacked here, then hashed like the bytes sent.
      const { rows } = await handle.pool.query<{ key: string; raw_container: Buffer; raw_codec: number | null }>(
        `select d.fn || ':' || d.fd as key, d.raw_container, d.raw_codec
           from documents d join unnest($1::text[], $2::bigint[]) as k(fn, fd) on d.fn = k.fn and d.fd = k.fd`,
        [keys.map((k) => k[0]), keys.map((k) => k[1])],
      );
      await loadRawContexts(handle.db, rows);
      const stored = new Map(rows.map((r) => [r.key, createHash('sha256').update(unpackRawContainer(r.raw_container, r.raw_codec)).digest('hex')]));
      let byteMismatches = this.conflicts.length;
      for (const [key, s] of this.sent) {
        const digest = stored.get(key);
        // Not stored at all is the count check's `missing`, not a content mismatch.
        if (digest !== undefined && digest !== s.digest) {
          byteMismatches++;
          problems.push(`${key} stored bytes differ from the bytes sent`);
        }
      }
      let viewsCompared = 0;
      let viewMismatches = 0;
      for (const [key, s] of this.sent) {
        if (!s.sample) continue;
        const [fn, fd] = key.split(':') as [string, string];
        const view = await findDocumentView(handle.db, fn, Number(fd));
        if (!view) continue;
        viewsCompared++;
        const problem = viewProblem(view.document, s.sample.container, s.sample.document);
        if (problem) {
          viewMismatches++;
          problems.push(`${key} ${problem}`);
        }
      }
      return { compared: this.sent.size, byteMismatches, viewsCompared, viewMismatches, mismatchSample: problems.slice(0, 10) };
    } finally {
      await handle.close();
    }
  }
}

/** What differs between the shown document and the one sent; undefined when nothing does. */
function viewProblem(shown: Record<string, unknown> | null, container: Buffer, sent: GeneratedDocument): string | undefined {
  const body = shown?.[sent.formName] as Record<string, unknown> | undefined;
  if (!body) return `shown as ${shown ? Object.keys(shown).join(',') : 'unrecognised'}, sent as ${sent.formName}`;
  const rawData = Buffer.from(String(body['rawData']), 'base64');
  if (!rawData.equals(container.subarray(CONTAINER_HEADER_LENGTH))) return 'rawData differs from the container sent';
  const messageSign = container.readBigUInt64BE(container.length - 10).toString();
  if (body['messageFiscalSign'] !== messageSign) return `messageFiscalSign ${String(body['messageFiscalSign'])}, sent ${messageSign}`;
  for (const [name, value] of Object.entries(sent.fields())) {
    if (!isDeepStrictEqual(asPrinted(body[name]), asPrinted(value))) return `${name}: shown ${JSON.stringify(body[name])}, sent ${JSON.stringify(value)}`;
  }
  return undefined;
}
