/**
 * A minimal register for gateway tests: documents built by hand from raw TLVs (independently of protocol/document-json),
 * signed with devsign (itself checked against the Python oracle), sent over a real socket.
 */
import net from 'node:net';
import { CONTAINER_TYPE_REQUEST, encodeContainer } from '../../protocol/container.js';
import { computeFpd, computeFps, deriveFnKey } from '../../protocol/devsign.js';
import { encodeSessionHeader } from '../../protocol/session-header.js';
import { encodeTlv } from '../../protocol/tlv.js';

export const MASTER_KEY = 'ofd-dev-master-key';

export const u8 = (tag: number, v: number) => encodeTlv(tag, Buffer.of(v));
export const u32 = (tag: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return encodeTlv(tag, b);
};
/** VLN: minimal little-endian bytes. */
export const vln = (tag: number, v: number) => {
  const bytes: number[] = [];
  let n = v;
  do {
    bytes.push(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  return encodeTlv(tag, Buffer.from(bytes));
};
export const ascii = (tag: number, s: string) => encodeTlv(tag, Buffer.from(s, 'latin1'));
/** FVLN: scale byte, then the LE mantissa. */
export const fvln = (tag: number, mantissa: number, scale: number) => {
  const v = vln(0, mantissa).subarray(4);
  return encodeTlv(tag, Buffer.concat([Buffer.of(scale), v]));
};
export const stlv = (tag: number, ...children: Buffer[]) => encodeTlv(tag, Buffer.concat(children));
/** 2024-09-17T18:01:00 local, encoded as if UTC (§5). */
export const LOCAL_TIME = Date.UTC(2024, 8, 17, 18, 1, 0) / 1000;

/** A consistent FFD 1.05 cash receipt: two items, payments add up to the total. ASCII names keep CP866 out of it. */
export function receiptChildren(fn: string, fd: number, opts: { cash?: number; ecash?: number } = {}): Buffer[] {
  const item1 = stlv(1059, ascii(1030, 'Bread'), vln(1079, 4550), fvln(1023, 2, 0), vln(1043, 9100), u8(1199, 6), u8(1212, 1), u8(1214, 4));
  const item2 = stlv(1059, ascii(1030, 'Milk'), vln(1079, 8990), fvln(1023, 1, 0), vln(1043, 8990), u8(1199, 6), u8(1212, 1), u8(1214, 4));
  const total = 9100 + 8990;
  return [
    ascii(1048, 'OOO Test'),
    ascii(1018, '7704211201  '),
    u32(1012, LOCAL_TIME),
    u32(1042, fd),
    u32(1038, 1),
    u8(1054, 1),
    u8(1055, 1),
    ascii(1037, '0000000001000001    '),
    ascii(1009, 'Moscow, Tverskaya 1'),
    ascii(1187, 'Shop 1'),
    ascii(1021, 'Cashier'),
    item1,
    item2,
    vln(1020, total),
    vln(1031, opts.cash ?? total),
    vln(1081, opts.ecash ?? 0),
    vln(1215, 0),
    vln(1216, 0),
    vln(1217, 0),
    vln(1105, total),
    u32(1040, fd),
    ascii(1041, fn),
    u8(1209, 2),
  ];
}

export interface MessageOptions {
  fn: string;
  fd: number;
  form?: number;
  children: Buffer[];
  masterKey?: string;
  /** Corrupt the ФПД after signing. */
  tamperFiscalSign?: boolean;
  pVersion?: number;
  /** The container's FN when it differs from `fn` (a forgery: signed with `fn`'s key, stored under this one). */
  containerFn?: string;
}

export function signedMessage(o: MessageOptions): Buffer {
  const k = deriveFnKey(o.masterKey ?? MASTER_KEY, o.fn);
  const form = o.form ?? 3;
  const unsigned = stlv(form, ...o.children);
  const fpd = computeFpd(k, unsigned);
  if (o.tamperFiscalSign) fpd[5]! ^= 0xff;
  const document = stlv(form, ...o.children, encodeTlv(1077, fpd));
  const container = encodeContainer({
    containerType: CONTAINER_TYPE_REQUEST,
    fiscalDrive: o.containerFn ?? o.fn,
    fiscalDocumentNumber: o.fd,
    serviceData2a: Buffer.from('0023098200000001', 'hex'),
    document,
    messageSign: Buffer.concat([computeFps(k, document)]),
  });
  const header = encodeSessionHeader({ kind: 'ofd', pVersion: o.pVersion ?? 0x0105, fn: o.fn, bodyLength: container.length, flags: 0x0014 });
  return Buffer.concat([header, container]);
}

export type Exchange = { reply: Buffer; closed: boolean };

/**
 * Connects, writes `bytes` (optionally without closing our side), collects what comes back until the server closes, a
 * whole reply of `expectBytes` arrived, or `timeoutMs` passes.
 */
export function exchange(port: number, bytes: Buffer, opts: { timeoutMs?: number; end?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 2000);
    socket.on('connect', () => {
      if (bytes.length) socket.write(bytes);
      if (opts.end) socket.end();
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length >= 30 && all.length >= 30 + all.readUInt16LE(24)) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
  });
}
