/**
 * A small OFD built only from protocol/ pieces (Framer, container, devsign, ack builder), for testing the emulator
 * without the gateway. It echoes empty probes (§6). It verifies ФПД/ФПС like a real OFD (a document that does not verify gets no reply), acks with
 * 1022 = 14 and 1206 = 0x02 when a receipt's payments do not add up, else 0, and can drop every Nth connection
 * without replying — the "lost reply" every register must survive.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { encodeAckDocument, encodeReplyMessage } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { computeFpo, computeFpp, DEVSIGN_SERVICE_DATA_2A, verifyDocumentSigns } from '../../../protocol/devsign.js';
import { decodeDocument } from '../../../protocol/document-json.js';
import { Framer, type Frame } from '../../../protocol/framer.js';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { FnKeyCache } from '../../../src/adapters/crypto-box/fn-key-cache.js';

export interface FakeOfdOptions {
  masterKey: string;
  /** Connections number k·dropEvery (1-based) get no reply and are closed. 0 = never. */
  dropEvery: number;
  ofdInn: string;
  /** Flags of the answer to an empty probe: 0 per §6; anything else makes a wrong echo. */
  probeEchoFlags?: number;
}

export interface ReceivedDocument {
  fn: string;
  fd: number;
  /** Whether the message was answered (false: dropped, or its signs did not verify). */
  answered: boolean;
  ofdResponseCode?: number;
  /** The whole message as received (session header + container). */
  bytes: Buffer;
}

export interface FakeOfd {
  port: number;
  received: ReceivedDocument[];
  connections: number;
  close(): Promise<void>;
}

function paymentsAddUp(fields: Record<string, unknown>): boolean {
  const n = (k: string): number => (typeof fields[k] === 'number' ? (fields[k] as number) : 0);
  return n('cashTotalSum') + n('ecashTotalSum') + n('prepaidSum') + n('creditSum') + n('provisionSum') === n('totalSum');
}

export async function startFakeOfd(o: FakeOfdOptions): Promise<FakeOfd> {
  const keys = new FnKeyCache(o.masterKey);
  const state: FakeOfd = { port: 0, received: [], connections: 0, close: async () => {} };
  const sockets = new Set<net.Socket>();

  /** The reply to one message, or undefined to close without one (dropped, broken, or signs that do not verify). */
  const answer = (frame: Frame, drop: boolean): Buffer | undefined => {
    const h = frame.header;
    if (h.bodyLength === 0) return encodeSessionHeader({ kind: h.kind, pVersion: h.pVersion, fn: h.fnRaw, bodyLength: 0, flags: o.probeEchoFlags ?? 0 });
    let c;
    try {
      c = decodeContainer(frame.body);
    } catch {
      return undefined;
    }
    const fn = c.header.fiscalDriveNumber;
    const fd = c.header.fiscalDocumentNumber;
    const k = keys.get(frame.header.fiscalDriveNumber);
    const signs = verifyDocumentSigns(k, c.document, c.messageSign);
    if (drop || !signs.fiscalSignValid || !signs.messageSignValid) {
      state.received.push({ fn, fd, answered: false, bytes: frame.bytes });
      return undefined;
    }
    const decoded = decodeDocument(c.document);
    const fields = decoded.json[decoded.formName] as Record<string, unknown>;
    const flk = (decoded.form === 3 || decoded.form === 31) && !paymentsAddUp(fields);
    const ack = {
      ofdInn: o.ofdInn,
      fiscalDriveNumber: fn,
      fiscalDocumentNumber: fd,
      dateTime: Math.floor(Date.now() / 1000),
      ofdResponseCode: flk ? 14 : 0,
      ...(flk ? { operatorMessage: 0x02 } : {}),
    };
    const ackTlv = encodeAckDocument(ack, computeFpo(k, encodeAckDocument(ack)));
    state.received.push({ fn, fd, answered: true, ofdResponseCode: ack.ofdResponseCode, bytes: frame.bytes });
    return encodeReplyMessage(
      { pVersion: frame.header.pVersion, fnRaw: frame.header.fnRaw, serviceData1: c.header.serviceData1, fnBcd: c.header.fnBcd, fiscalDocumentNumber: fd },
      ackTlv,
      computeFpp(k, ackTlv),
      DEVSIGN_SERVICE_DATA_2A,
    );
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    const connection = ++state.connections;
    const dropThis = o.dropEvery > 0 && connection % o.dropEvery === 0;
    const framer = new Framer();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const reply = answer(frame, dropThis);
        if (!reply) {
          socket.destroy();
          return;
        }
        socket.write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
