/**
 * The messages the gateway benchmarks send: the emulator's documents, each (FN, FD) once, round-robin over a fleet of
 * registers (its mix of forms), as whole messages (session header + container) the way a register sends them.
 */
import { buildDocumentMessage, fnWire } from '../src/emulator/document-message.js';
import { DocumentStream } from '../src/emulator/document-stream.js';
import { makeRegisterIdentity } from '../src/emulator/register-identity.js';
import { DEFAULT_EMULATOR_OPTIONS, defaultTimeWindow, streamOptionsOf } from '../src/emulator/run-emulator.js';

export function writeBenchMessages(total: number, registers = 2000, seed = 'bench-gateway'): Buffer[] {
  const perRegister = Math.ceil(total / registers);
  const o = { ...DEFAULT_EMULATOR_OPTIONS, seed, documentsPerRegister: perRegister, tamperRate: 0 };
  const streamOptions = streamOptionsOf(o, defaultTimeWindow(Date.now(), o.utcOffsetMinutes, perRegister));
  const fleet = Array.from({ length: registers }, (_, i) => {
    const identity = makeRegisterIdentity(i, { seed: o.seed, ffd12Share: o.ffd12Share });
    return { wire: fnWire(identity, o.masterKey), stream: new DocumentStream(identity, streamOptions) };
  });
  const messages: Buffer[] = [];
  while (messages.length < total) {
    const before = messages.length;
    for (const register of fleet) {
      const doc = messages.length < total ? register.stream.next() : undefined;
      if (doc) messages.push(buildDocumentMessage(register.wire, doc).bytes);
    }
    if (messages.length === before) break;
  }
  return messages;
}
