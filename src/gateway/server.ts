/**
 * The document port (§8): the shared listener and connection loop (src/net/server.ts) with the gateway's message
 * handling (handle-message.ts). `startGateway(deps)` → `{ port, close() }`.
 */
import { startListener, type Listener, type ListenerDeps, type ListenerOptions, type ListenerOptionsInput } from '../net/server.js';
import { handleMessage, type MessageDeps } from './handle-message.js';

export type GatewayOptions = ListenerOptions;
export type GatewayOptionsInput = ListenerOptionsInput;
export type Gateway = Listener;

export interface GatewayDeps extends Omit<ListenerDeps, 'handler'> {
  /** The document port's message handling. */
  message: MessageDeps;
}

export function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const { message, ...rest } = deps;
  return startListener({ ...rest, handler: (frame) => handleMessage(frame, message) });
}
