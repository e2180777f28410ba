/**
 * Who is connecting, and may they: the step between `accept` and the message loop, shared by the document gateway and
 * the marking listener.
 *
 * 1. With the PROXY protocol on (OFD_PROXY_PROTOCOL), the client's address is read from the header the load balancer
 *    sends first; the header's bytes are consumed and whatever followed it is handed to the message loop untouched.
 *    A connection without a valid header within the first-byte timeout is closed and counted.
 * 2. The per-address cap (OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS, 256 by default) is applied to that address: one
 *    misbehaving site (a register stuck in a reconnect loop, a scanner) cannot take every connection slot. 0 = no cap.
 */
import type net from 'node:net';
import type { Logger } from '../observability/logger.js';
import { GatewayErrorCodes } from './close-codes.js';
import { parseProxyHeader, ProxyProtocolError } from './proxy-protocol.js';

export interface AdmissionOptions {
  readonly proxyProtocol: boolean;
  /** 0 = no cap. Behind a balancer without the PROXY protocol every client shares its address: leave it 0 there. */
  readonly maxConnectionsPerAddress: number;
  /** Connect → complete PROXY header. */
  readonly headerTimeoutMs: number;
}

export interface Client {
  readonly address: string;
  readonly port: number | undefined;
  /** The address came from a PROXY header rather than the socket. */
  readonly proxied: boolean;
}

export interface Admission {
  /**
   * Calls `onAdmitted` once the client is known and under its cap — synchronously when no header is expected, so no
   * byte can slip past — or closes the socket. The slot is released when the socket closes.
   */
  admit(socket: net.Socket, onAdmitted: (client: Client) => void): void;
  /** Connections currently counted per address (tests, metrics). */
  connectionsOf(address: string): number;
}

export interface AdmissionDeps {
  /** Counts and logs a refused connection (the caller samples the log lines: one per refusal floods under attack). */
  countRejection: (code: string, details: { err: string; remote: string }) => void;
  log: Logger;
}

export function createAdmission(options: AdmissionOptions, deps: AdmissionDeps): Admission {
  const perAddress = new Map<string, number>();

  function enter(socket: net.Socket, client: Client, onAdmitted: (client: Client) => void): void {
    const count = (perAddress.get(client.address) ?? 0) + 1;
    if (options.maxConnectionsPerAddress > 0 && count > options.maxConnectionsPerAddress) {
      deps.countRejection(GatewayErrorCodes.GW_TOO_MANY_CONNECTIONS, { remote: client.address, err: `over ${options.maxConnectionsPerAddress} connections from one address` });
      socket.destroy();
      return;
    }
    perAddress.set(client.address, count);
    socket.once('close', () => {
      const left = (perAddress.get(client.address) ?? 1) - 1;
      if (left > 0) perAddress.set(client.address, left);
      else perAddress.delete(client.address);
    });
    onAdmitted(client);
  }

  return {
    admit(socket, onAdmitted) {
      if (options.proxyProtocol) readHeader(socket, options.headerTimeoutMs, deps, enter, onAdmitted);
      else enter(socket, fromSocket(socket), onAdmitted);
    },
    connectionsOf: (address) => perAddress.get(address) ?? 0,
  };
}

function fromSocket(socket: net.Socket): Client {
  return { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort, proxied: false };
}

type Enter = (socket: net.Socket, client: Client, onAdmitted: (client: Client) => void) => void;

/** Waits for the PROXY header, then `enter`s the client it names with the bytes after it put back on the stream. */
function readHeader(socket: net.Socket, headerTimeoutMs: number, deps: AdmissionDeps, enter: Enter, onAdmitted: (client: Client) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  const reject = (code: string, message: string) => {
    cleanup();
    deps.countRejection(code, { err: message, remote: socket.remoteAddress ?? 'unknown' });
    socket.destroy();
  };
  const timer = setTimeout(() => reject(GatewayErrorCodes.GW_FIRST_BYTE_TIMEOUT, `no PROXY header after ${headerTimeoutMs} ms`), headerTimeoutMs);
  const cleanup = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', cleanup);
  };
  function onData(chunk: Buffer): void {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let parsed;
    try {
      parsed = parseProxyHeader(buffered);
    } catch (e) {
      if (e instanceof ProxyProtocolError) return reject(e.code, e.message);
      throw e;
    }
    if (parsed.status === 'incomplete') return;
    cleanup();
    // Hold the stream while the message loop attaches; the bytes after the header go back to the front of it.
    socket.pause();
    const rest = buffered.subarray(parsed.consumed);
    if (rest.length > 0) socket.unshift(rest);
    const client: Client = parsed.source ? { ...parsed.source, proxied: true } : fromSocket(socket);
    enter(socket, client, onAdmitted);
    if (!socket.destroyed) socket.resume();
  }
  socket.on('data', onData);
  socket.on('close', cleanup);
}
