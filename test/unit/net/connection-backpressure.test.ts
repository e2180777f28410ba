// The connection loop against a peer that does not take its answers (a stream whose writes never complete): reading
// pauses once the answers pass the high-water mark, the pending bytes stay near it however many messages were sent, and
// the connection is closed as GW_WRITE_STALLED after the stall timeout — or carries on when the peer reads again.
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { createCloseLog, type CloseLog } from '../../../src/net/close-log.js';
import { DEFAULT_CONNECTION_OPTIONS, handleConnection } from '../../../src/net/connection.js';
import { probeReply } from '../../../protocol/framer.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';

const HIGH_WATER = 1024;
const probe = encodeSessionHeader({ kind: 'ofd', pVersion: 0x0105, fn: '9999078900000404', bodyLength: 0, flags: 0x0010 });

/** The gateway's end of a connection whose peer reads only when told to. */
class SlowReader extends Duplex {
  readonly taken: Buffer[] = [];
  private holding = true;
  private readonly waiting: Array<() => void> = [];
  constructor() {
    super({ writableHighWaterMark: HIGH_WATER, allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.taken.push(chunk);
    if (this.holding) this.waiting.push(done);
    else done();
  }
  startReading(): void {
    this.holding = false;
    for (const done of this.waiting.splice(0)) done();
  }
}

let closes: CloseLog | undefined;
afterEach(() => closes?.stop());

function connect(stallMs: number): { peer: SlowReader; metrics: Metrics } {
  const metrics = createMetrics({ defaultMetrics: false });
  closes = createCloseLog({ listener: 'gateway', metrics: metrics.gateway, log: silentLogger() });
  const peer = new SlowReader();
  handleConnection(peer, {
    handle: async (frame) => ({ action: 'reply', reply: probeReply(frame), result: 'probe' }),
    metrics: metrics.gateway,
    log: silentLogger(),
    closes,
    options: { ...DEFAULT_CONNECTION_OPTIONS, writeStallTimeoutMs: stallMs },
  });
  return { peer, metrics };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function closedAs(metrics: Metrics, reason: string): Promise<number> {
  const { values } = await metrics.gateway.connectionsClosed.get();
  return values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
}

describe('back-pressure on answers', () => {
  it('pauses reading past the high-water mark, keeps pending bytes near it, and closes after the stall timeout', async () => {
    const { peer, metrics } = connect(200);
    peer.push(Buffer.concat(Array.from({ length: 2000 }, () => probe)));
    await tick(50);
    expect(peer.isPaused()).toBe(true);
    // 2 000 probes sent; only what fits under the mark was answered.
    expect(peer.writableLength).toBeLessThanOrEqual(HIGH_WATER + 30);
    expect(peer.taken.length).toBeLessThan(100);
    expect(peer.destroyed).toBe(false);
    await tick(250);
    expect(peer.destroyed).toBe(true);
    expect(await closedAs(metrics, 'write_stalled')).toBe(1);
  });

  it('answers everything, in order, once the peer reads again before the timeout', async () => {
    const { peer, metrics } = connect(1000);
    peer.push(Buffer.concat(Array.from({ length: 500 }, () => probe)));
    await tick(50);
    expect(peer.isPaused()).toBe(true);
    peer.startReading();
    await tick(100);
    expect(peer.taken.length).toBe(500);
    expect(peer.destroyed).toBe(false);
    expect(await closedAs(metrics, 'write_stalled')).toBe(0);
    peer.destroy();
  });
});
