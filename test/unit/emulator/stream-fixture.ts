/** Helpers for the emulator's unit tests: a register's document stream and its messages with fixed options. */
import { buildDocumentMessage, fnWire, type DocumentMessage } from '../../../src/emulator/document-message.js';
import { DocumentStream, type GeneratedDocument, type StreamOptions } from '../../../src/emulator/document-stream.js';
import { makeRegisterIdentity, type RegisterIdentity } from '../../../src/emulator/register-identity.js';

export const MASTER_KEY = 'ofd-dev-master-key';
/** 2026-11-20T08:00:00 local. */
export const START = Date.UTC(2026, 10, 20, 8) / 1000;

export function streamOptions(overrides: Partial<StreamOptions> = {}): StreamOptions {
  return {
    seed: 'unit',
    startTime: START,
    latestTime: undefined,
    maxDocuments: 200,
    markedShare: 0.3,
    emailShare: 0.2,
    correctionShare: 0.03,
    currentStateShare: 0.5,
    flkErrorRate: 0,
    tamperRate: 0,
    basketPool: 16,
    ofdInn: '7704211201',
    ofdName: 'ОФД',
    ...overrides,
  };
}

export interface Generated {
  identity: RegisterIdentity;
  docs: GeneratedDocument[];
  messages: DocumentMessage[];
}

/** Every document of register `index` under `options`, with its message. */
export function generate(index: number, options: Partial<StreamOptions> = {}, ffd12Share = 0.5): Generated {
  const o = streamOptions(options);
  const identity = makeRegisterIdentity(index, { seed: o.seed, ffd12Share });
  const stream = new DocumentStream(identity, o);
  const wire = fnWire(identity, MASTER_KEY);
  const docs: GeneratedDocument[] = [];
  const messages: DocumentMessage[] = [];
  for (let d = stream.next(); d; d = stream.next()) {
    docs.push(d);
    messages.push(buildDocumentMessage(wire, d));
  }
  return { identity, docs, messages };
}
