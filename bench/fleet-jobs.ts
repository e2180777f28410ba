/**
 * `bench:persist --fleet`: the documents queue as the gateway fills it under the register emulator — not synthetic
 * receipts. Each emulated register (src/emulator: its own organization, outlet, FFD version, registration report, shifts,
 * receipts with 1–N items from a catalogue, marked goods, buyer e-mails, corrections; the loadtest's mix) builds its
 * documents, and each message goes through the gateway's own handleMessage (framing, devsign verification, ФЛК) whose
 * enqueue collects the job. Round-robin over the registers, as a busy gateway enqueues them.
 */
import { Framer } from '../protocol/framer.js';
import { buildDocumentMessage, fnWire } from '../src/emulator/document-message.js';
import { DocumentStream } from '../src/emulator/document-stream.js';
import { makeRegisterIdentity } from '../src/emulator/register-identity.js';
import { DEFAULT_EMULATOR_OPTIONS, defaultTimeWindow, streamOptionsOf } from '../src/emulator/run-emulator.js';
import { createDevsignBox } from '../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../src/gateway/flk/inspector.js';
import { handleMessage, type MessageDeps } from '../src/gateway/handle-message.js';
import type { DocumentJob } from '../src/queue/jobs.js';

/**
 * `now`: the gateway's clock (received_at) and where the registers' clocks end (their 1012 dates): fixed, the same seed
 * gives the same bytes and the same report groups.
 */
export async function fleetJobs(registers: number, documents: number, seed = 'bench-persist-fleet', now = Date.now()): Promise<DocumentJob[]> {
  const perRegister = Math.ceil(documents / registers);
  // The emulator's defaults (the loadtest's mix), with no tampered first sends: every job is a document as received.
  const o = { ...DEFAULT_EMULATOR_OPTIONS, seed, documentsPerRegister: perRegister, tamperRate: 0 };
  const streamOptions = streamOptionsOf(o, defaultTimeWindow(now, o.utcOffsetMinutes, perRegister));
  const fleet = Array.from({ length: registers }, (_, i) => {
    const identity = makeRegisterIdentity(i, { seed, ffd12Share: o.ffd12Share });
    return { wire: fnWire(identity, o.masterKey), stream: new DocumentStream(identity, streamOptions) };
  });
  const jobs: DocumentJob[] = [];
  const deps: MessageDeps = {
    crypto: createDevsignBox(o.masterKey),
    enqueue: (job) => {
      jobs.push(job);
      return Promise.resolve();
    },
    inspect: createInspector(),
    operatorInn: o.ofdInn,
    ackUtcOffsetMinutes: o.utcOffsetMinutes,
    kinds: new Set(['ofd']),
    now: () => now + jobs.length, // a millisecond per document: received_at rises as at a gateway
  };
  const framer = new Framer();
  while (jobs.length < documents) {
    const before = jobs.length;
    for (const register of fleet) {
      if (jobs.length >= documents) break;
      const doc = register.stream.next();
      if (!doc) continue;
      for (const frame of framer.push(buildDocumentMessage(register.wire, doc).bytes)) {
        const outcome = await handleMessage(frame, deps);
        if (outcome.action === 'close') throw new Error(`the gateway refused an emulated document: ${outcome.code} ${outcome.message}`);
      }
    }
    if (jobs.length === before) break; // every stream ended
  }
  return jobs;
}
