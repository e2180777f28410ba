/**
 * `npm run bench:protocol` — framing throughput (MB/s) and container → FNS JSON decoding (documents/s), one core.
 * Input: realistic FFD 1.2 receipts of 10–30 items built from the real FNS receipt (fixtures/vectors), signed with devsign.
 * Prints the median of 5 runs of each, and every run, as JSON.
 */
import { readFileSync } from 'node:fs';
import { CONTAINER_TYPE_REQUEST, decodeContainer, encodeContainer } from '../protocol/container.js';
import { computeFpd, computeFps, deriveFnKey } from '../protocol/devsign.js';
import { decodeDocument, encodeDocument } from '../protocol/document-json.js';
import { Framer } from '../protocol/framer.js';
import { encodeSessionHeader } from '../protocol/session-header.js';
import { encodeTlv, readTlvs } from '../protocol/tlv.js';

const RUNS = 5;
const sample = JSON.parse(readFileSync(new URL('../fixtures/vectors/fns-receipt-ffd12.json', import.meta.url), 'utf8')) as Record<string, unknown>;
for (const k of ['metadata', 'messageFiscalSign', 'redefine_mask', 'numberKkt', 'region', 'fiscalSign']) delete sample[k];
const baseItems = sample.items as Record<string, unknown>[];

function receiptMessage(fd: number, itemCount: number): Buffer {
  const fn = '9999078900000001';
  const items: Record<string, unknown>[] = Array.from({ length: itemCount }, (_, i) => ({ ...baseItems[i % baseItems.length]!, name: `Товар №${i} ${baseItems[i % baseItems.length]!.name as string}` }));
  const total = items.reduce((s, it) => s + (it.sum as number), 0);
  const body = { ...sample, items, totalSum: total, ecashTotalSum: total, fiscalDocumentNumber: fd, fiscalDriveNumber: fn };
  const unsigned = encodeDocument({ receipt: body });
  const k = deriveFnKey('ofd-dev-master-key', fn);
  // Re-assemble with the devsign ФПД in 1077.
  const kids = readTlvs(unsigned, 4).filter((t) => t.tag !== 1077).map((t) => unsigned.subarray(t.offset, t.offset + 4 + t.value.length));
  const document = encodeTlv(3, Buffer.concat([...kids, encodeTlv(1077, computeFpd(k, unsigned))]));
  const container = encodeContainer({ containerType: CONTAINER_TYPE_REQUEST, fiscalDrive: fn, fiscalDocumentNumber: fd, document, messageSign: computeFps(k, document) });
  return Buffer.concat([encodeSessionHeader({ kind: 'ofd', pVersion: 0x0120, fn, bodyLength: container.length, flags: 0x0014 }), container]);
}

const messages = Array.from({ length: 2000 }, (_, i) => receiptMessage(i + 1, 10 + (i % 21)));
const stream = Buffer.concat(messages);
const avgSize = stream.length / messages.length;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function benchFraming(): number {
  const CHUNK = 64 * 1024;
  const target = 256 * 1024 * 1024;
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  let frames = 0;
  const f = new Framer();
  while (bytes < target) {
    for (let off = 0; off < stream.length; off += CHUNK) frames += f.push(stream.subarray(off, Math.min(off + CHUNK, stream.length))).length;
    bytes += stream.length;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (frames !== (bytes / stream.length) * messages.length) throw new Error('framing lost messages');
  return bytes / s / 1e6;
}

function benchDecode(): number {
  const bodies = messages.map((m) => m.subarray(30));
  const rounds = 25;
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const b of bodies) {
      const c = decodeContainer(b);
      decodeDocument(c.document);
      n++;
    }
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

benchFraming();
benchDecode(); // warm-up
const framing = Array.from({ length: RUNS }, benchFraming);
const decoding = Array.from({ length: RUNS }, benchDecode);
console.log(
  JSON.stringify({
    averageMessageBytes: Math.round(avgSize),
    itemsPerReceipt: '10–30',
    framingMBps: { median: Math.round(median(framing)), runs: framing.map(Math.round) },
    decodeDocsPerSec: { median: Math.round(median(decoding)), runs: decoding.map(Math.round) },
  }),
);
