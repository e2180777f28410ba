/**
 * `npx tsx bench/handle-message.bench.ts` — the gateway's JavaScript per message without sockets: the emulator's
 * messages (the gateway bench's mix) framed, then handleMessage with the real devsign crypto box and ФЛК inspector, as
 * the gateway role wires them, and an enqueue that resolves at once (the durable enqueue is measured by
 * bench/queue-producer.bench.ts). Each step is also timed alone: framing, container decode, unwrap (ФПД/ФПС checks),
 * decode + ФЛК, the job's base64, the ack signing. Prints CPU µs per message (this process's user + system time),
 * median of 5 runs, as JSON. Compare with `cpuMicrosPerAck.server` of `npm run bench:gateway`: the difference is what
 * sockets, streams, BullMQ and GC around them cost.
 */
import { DEFAULT_MAX_BODY_LENGTH, Framer, type Frame } from '../protocol/framer.js';
import { decodeContainer } from '../protocol/container.js';
import { createDevsignBox } from '../src/adapters/crypto-box/devsign-box.js';
import { DEFAULT_DEVSIGN_KEY } from '../src/config/defaults.js';
import { createInspector } from '../src/gateway/flk/inspector.js';
import { handleMessage, type MessageDeps } from '../src/gateway/handle-message.js';
import { writeBenchMessages } from './gateway-messages.js';

const RUNS = 5;
const COUNT = Number(process.env.BENCH_MESSAGES ?? 20_000);

const frames: Frame[] = [];
{
  const framer = new Framer({ maxBodyLength: DEFAULT_MAX_BODY_LENGTH });
  for (const message of writeBenchMessages(COUNT)) frames.push(...framer.push(message));
}
const crypto = createDevsignBox(DEFAULT_DEVSIGN_KEY);
const inspect = createInspector({ onInternalError: (err) => console.error(err) });
const deps: MessageDeps = {
  crypto,
  enqueue: () => Promise.resolve(),
  inspect,
  operatorInn: '7704358518',
  ackUtcOffsetMinutes: 180,
  kinds: new Set(['ofd']),
};

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function perMessage(step: (frame: Frame) => unknown): Promise<number> {
  const t0 = cpuMicros();
  for (const frame of frames) await step(frame);
  return (cpuMicros() - t0) / frames.length;
}

const steps: Record<string, (frame: Frame) => unknown> = {
  'handleMessage (all of it)': (f) => handleMessage(f, deps),
  'frame only': (f) => new Framer().push(f.bytes),
  'container decode': (f) => decodeContainer(f.body),
  'unwrap: ФПД/ФПС checks': (f) => crypto.unwrap({ fiscalDriveNumber: f.header.fiscalDriveNumber, container: decodeContainer(f.body) }),
  'decode + ФЛК': async (f) => {
    const c = decodeContainer(f.body);
    const u = await crypto.unwrap({ fiscalDriveNumber: f.header.fiscalDriveNumber, container: c });
    return inspect(u.document, c.header.documentType, { fiscalDriveNumber: c.header.fiscalDriveNumber, fiscalDocumentNumber: c.header.fiscalDocumentNumber, receivedAt: new Date() });
  },
  'job base64': (f) => [f.body.toString('base64'), f.bytes.toString('base64', 0, 30)],
  'ack signing': (f) =>
    crypto.signAck(f.header.fiscalDriveNumber, {
      ofdInn: deps.operatorInn,
      fiscalDriveNumber: f.header.fiscalDriveNumber,
      fiscalDocumentNumber: 1,
      dateTime: Math.floor(Date.now() / 1000),
      ofdResponseCode: 0,
    }),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result: Record<string, { medianMicros: number; runs: number[] }> = {};
for (const [name, step] of Object.entries(steps)) {
  await perMessage(step); // warm-up: JIT
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(Number((await perMessage(step)).toFixed(2)));
  result[name] = { medianMicros: median(runs), runs };
}
console.log(JSON.stringify({ messages: frames.length, cpuMicrosPerMessage: result }, null, 2));
