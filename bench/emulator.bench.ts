/**
 * `npx tsx bench/emulator.bench.ts` — the emulator's CPU cost per document on one core, without the network: generate
 * the next document of 1 000 registers → build its signed message (basket pool 16, and 0 = every basket fresh), and
 * check a devsign acknowledgement for it. Prints the median of 5 runs of each, and every run, as JSON.
 * The network side (a connection per message, or kept alive) comes on top: measure it with `ofd emulate` against a
 * gateway.
 */
import { encodeAckDocument, encodeReplyMessage } from '../protocol/ack.js';
import { computeFpo, computeFpp, DEVSIGN_SERVICE_DATA_2A } from '../protocol/devsign.js';
import { Framer, type Frame } from '../protocol/framer.js';
import { checkAckFrame } from '../src/emulator/ack-check.js';
import { buildDocumentMessage, fnWire, type FnWire } from '../src/emulator/document-message.js';
import { DocumentStream } from '../src/emulator/document-stream.js';
import { makeRegisterIdentity } from '../src/emulator/register-identity.js';
import { DEFAULT_EMULATOR_OPTIONS } from '../src/emulator/run-emulator.js';

const RUNS = 5;
const REGISTERS = 1000;
const RUN_MS = 1500;
const WARM_UP_DOCUMENTS = 50;
const START = Date.UTC(2026, 10, 20, 8) / 1000;

function fleet(basketPool: number): Array<{ stream: DocumentStream; wire: FnWire }> {
  const o = DEFAULT_EMULATOR_OPTIONS;
  return Array.from({ length: REGISTERS }, (_, i) => {
    const identity = makeRegisterIdentity(i, { seed: 'bench', ffd12Share: o.ffd12Share });
    const stream = new DocumentStream(identity, {
      seed: 'bench',
      startTime: START,
      latestTime: undefined,
      maxDocuments: Infinity,
      markedShare: o.markedShare,
      emailShare: o.emailShare,
      correctionShare: o.correctionShare,
      currentStateShare: o.currentStateShare,
      flkErrorRate: 0,
      tamperRate: 0,
      basketPool,
      ofdInn: o.ofdInn,
      ofdName: o.ofdName,
    });
    return { stream, wire: fnWire(identity, o.masterKey) };
  });
}

/** Documents per second: next document → signed message, round-robin over the fleet, after 50 documents each. */
function messagesPerSecond(basketPool: number): number {
  const registers = fleet(basketPool);
  // Past its registration and first baskets, as registers are a few seconds into a benchmark.
  for (const r of registers) for (let i = 0; i < WARM_UP_DOCUMENTS; i++) r.stream.next();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) {
    for (let i = 0; i < 100; i++, n++) {
      const r = registers[n % REGISTERS]!;
      buildDocumentMessage(r.wire, r.stream.next()!);
    }
  }
  return Math.round((n * 1000) / (performance.now() - t0));
}

/** Acks checked per second (framing excluded: the link hands over a frame). */
function acksPerSecond(): number {
  const wire = fleet(0)[0]!.wire;
  const frames: Frame[] = [];
  for (let fd = 1; fd <= 1000; fd++) {
    const fields = { ofdInn: '7704211201', fiscalDriveNumber: wire.fiscalDriveNumber, fiscalDocumentNumber: fd, dateTime: START, ofdResponseCode: 0 };
    const ackTlv = encodeAckDocument(fields, computeFpo(wire.kFn, encodeAckDocument(fields)));
    const reply = encodeReplyMessage(
      { pVersion: wire.pVersion, fnRaw: wire.fnField, serviceData1: Buffer.from('1009', 'hex'), fnBcd: wire.fnBcd, fiscalDocumentNumber: fd },
      ackTlv,
      computeFpp(wire.kFn, ackTlv),
      DEVSIGN_SERVICE_DATA_2A,
    );
    frames.push(new Framer().push(reply)[0]!);
  }
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) {
    for (let i = 0; i < 100; i++, n++) {
      const fd = (n % 1000) + 1;
      const v = checkAckFrame(frames[fd - 1]!, { fnField: wire.fnField, fiscalDriveNumber: wire.fiscalDriveNumber, fiscalDocumentNumber: fd, kFn: wire.kFn });
      if (!v.ok) throw new Error(v.message);
    }
  }
  return Math.round((n * 1000) / (performance.now() - t0));
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

const runs = { messagesPool16: [] as number[], messagesFresh: [] as number[], acks: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  runs.messagesPool16.push(messagesPerSecond(16));
  runs.messagesFresh.push(messagesPerSecond(0));
  runs.acks.push(acksPerSecond());
}
console.log(
  JSON.stringify({
    unit: 'per second, one core',
    messagesBasketPool16: median(runs.messagesPool16),
    messagesAllFresh: median(runs.messagesFresh),
    acksChecked: median(runs.acks),
    runs,
  }),
);
