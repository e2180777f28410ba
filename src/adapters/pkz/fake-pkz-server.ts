/**
 * `ofd fake-pkz`: a real HTTP server playing the external crypto box with the devsign math (§7), so the `pkz` adapter is
 * tested over real HTTP. Optional fault injection: a fixed latency and a failure rate, for timeout tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeContainer } from '../../../protocol/container.js';
import { computeFpo, computeFpp, DEVSIGN_SERVICE_DATA_2A, TAG_OPERATOR_SIGN, verifyDocumentSigns } from '../../../protocol/devsign.js';
import { encodeTlv, readTlvs, TLV_HEADER_LENGTH } from '../../../protocol/tlv.js';
import { FnKeyCache } from '../crypto-box/fn-key-cache.js';
import { SignAckRequestBody, UnwrapRequestBody } from './pkz-api.js';

export interface FakePkzOptions {
  port?: number;
  host?: string;
  masterKey?: string;
  /** Added to every answer. */
  latencyMs?: number;
  /** Share of requests answered 503, 0..1. */
  failureRate?: number;
}

export interface FakePkz {
  url: string;
  port: number;
  requests: number;
  close(): Promise<void>;
}

/** Puts 1078 right after 1017, the order real acks use (§3.3). */
function insertOperatorSign(ack: Buffer, fpo: Buffer): Buffer {
  const kids = readTlvs(ack, TLV_HEADER_LENGTH).filter((t) => t.tag !== TAG_OPERATOR_SIGN);
  const wire = kids.map((t) => ack.subarray(t.offset, t.offset + TLV_HEADER_LENGTH + t.value.length));
  const at = Math.max(0, kids.findIndex((t) => t.tag === 1017) + 1);
  wire.splice(at, 0, encodeTlv(TAG_OPERATOR_SIGN, fpo));
  return encodeTlv(ack.readUInt16LE(0), Buffer.concat(wire));
}

export async function startFakePkz(opts: FakePkzOptions = {}): Promise<FakePkz> {
  const keys = new FnKeyCache(opts.masterKey ?? 'ofd-dev-master-key');
  const state = { requests: 0 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const reply = (status: number, body: unknown) => {
        const send = () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (opts.latencyMs) setTimeout(send, opts.latencyMs);
        else send();
      };
      if (opts.failureRate && Math.random() < opts.failureRate) return reply(503, { code: 'UNAVAILABLE', message: 'injected fault' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { code: 'BAD_JSON', message: 'body is not JSON' });
      }
      try {
        if (req.method === 'POST' && req.url === '/v1/unwrap') {
          const r = UnwrapRequestBody.parse(body);
          const c = decodeContainer(Buffer.from(r.container, 'base64'));
          const check = verifyDocumentSigns(keys.get(r.fiscalDriveNumber), c.document, c.messageSign);
          if (!check.fiscalSignValid || !check.messageSignValid) return reply(422, { code: 'SIGN_INVALID', message: 'signs do not verify' });
          return reply(200, { document: c.document.toString('base64'), verified: true });
        }
        if (req.method === 'POST' && req.url === '/v1/sign-ack') {
          const r = SignAckRequestBody.parse(body);
          const k = keys.get(r.fiscalDriveNumber);
          const bare = Buffer.from(r.ack, 'base64');
          const ack = insertOperatorSign(bare, computeFpo(k, bare));
          return reply(200, {
            ack: ack.toString('base64'),
            messageSign: computeFpp(k, ack).toString('base64'),
            serviceData2a: DEVSIGN_SERVICE_DATA_2A.toString('base64'),
          });
        }
        return reply(404, { code: 'NOT_FOUND', message: `${req.method} ${req.url}` });
      } catch (e) {
        return reply(400, { code: 'BAD_REQUEST', message: (e as Error).message });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
