/**
 * `npm run bench:protocol` — framing throughput (MB/s) and container → FNS JSON decoding (documents/s), one core.
 * Input: realistic FFD 1.2 receipts of 10–30 items built from the real FNS receipt (fixtures/vectors), signed with devsign.
 * Prints the median of 5 runs of each, and every run, as JSON. Each rate comes twice: per wall-clock second and per
 * second of this process's CPU time (`process.cpuUsage`, user + system): on a shared machine the CPU figure is the one
 * that other load disturbs less. `decodeStagesCpuMicroseconds` splits the decode per document: the container CRC alone, the whole
 * `decodeContainer`, and `decodeDocument` alone (µs of CPU time, medians).
 */
import { readFileSync } from 'node:fs';
import { CONTAINER_TYPE_REQUEST, containerCrc, decodeContainer, encodeContainer } from '../protocol/container.js';
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

interface Rate {
  wall: number;
  cpu: number;
}

/** Runs `fn`, which handles `units` of something; returns units per wall-clock second and per CPU second. */
function measure(fn: () => number): Rate {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const units = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall: units / wall, cpu: units / ((c.user + c.system) / 1e6) };
}

function framing(): number {
  const CHUNK = 64 * 1024;
  const target = 256 * 1024 * 1024;
  let bytes = 0;
  let frames = 0;
  const f = new Framer();
  while (bytes < target) {
    for (let off = 0; off < stream.length; off += CHUNK) frames += f.push(stream.subarray(off, Math.min(off + CHUNK, stream.length))).length;
    bytes += stream.length;
  }
  if (frames !== (bytes / stream.length) * messages.length) throw new Error('framing lost messages');
  return bytes / 1e6; // MB
}

const bodies = messages.map((m) => m.subarray(30));
const documents = bodies.map((b) => decodeContainer(b).document);
const ROUNDS = 25;

/** The measured path: container (CRC and checks) then the document to FNS JSON. */
function decode(): number {
  let n = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const b of bodies) {
      const c = decodeContainer(b);
      decodeDocument(c.document);
      n++;
    }
  }
  return n;
}

let sink = 0;
function stage(each: (i: number) => void): () => number {
  return () => {
    for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < bodies.length; i++) each(i);
    return ROUNDS * bodies.length;
  };
}
const crcOnly = stage((i) => {
  sink ^= containerCrc(bodies[i]!);
});
const containerOnly = stage((i) => {
  sink ^= decodeContainer(bodies[i]!).header.crc;
});
const documentOnly = stage((i) => {
  sink ^= decodeDocument(documents[i]!).form;
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (rs: Rate[]) => ({
  median: Math.round(median(rs.map((r) => r.wall))),
  cpuMedian: Math.round(median(rs.map((r) => r.cpu))),
  runs: rs.map((r) => Math.round(r.wall)),
  cpuRuns: rs.map((r) => Math.round(r.cpu)),
});
/** µs of CPU per document, median of the runs. */
const microseconds = (rs: Rate[]): number => Number((1e6 / median(rs.map((r) => r.cpu))).toFixed(2));

measure(framing);
measure(decode); // warm-up
const framingRuns = Array.from({ length: RUNS }, () => measure(framing));
const decodeRuns = Array.from({ length: RUNS }, () => measure(decode));
const stages = { crc: [] as Rate[], decodeContainer: [] as Rate[], decodeDocument: [] as Rate[] };
for (let i = 0; i < RUNS; i++) {
  stages.crc.push(measure(crcOnly));
  stages.decodeContainer.push(measure(containerOnly));
  stages.decodeDocument.push(measure(documentOnly));
}
if (sink === 0.5) console.log(sink); // keeps the stage results alive
console.log(
  JSON.stringify({
    averageMessageBytes: Math.round(avgSize),
    itemsPerReceipt: '10–30',
    framingMBps: summary(framingRuns),
    decodeDocsPerSec: summary(decodeRuns),
    decodeStagesCpuMicroseconds: {
      crc: microseconds(stages.crc),
      decodeContainer: microseconds(stages.decodeContainer),
      decodeDocument: microseconds(stages.decodeDocument),
    },
  }),
);
