import { describe, expect, it } from 'vitest';
import { EmulatorStats } from '../../../src/emulator/emulator-stats.js';

describe('emulator summary', () => {
  it('gives nearest-rank latency percentiles and counts by code and reason', () => {
    const s = new EmulatorStats();
    for (let i = 1; i <= 10_000; i++) s.acked(i % 10 === 0 ? 14 : 0, i % 10 === 0 ? 2 : undefined, i / 100);
    s.invalidAck('ACK_BAD_FPP');
    s.missingReply('LINK_TIMEOUT');
    s.missingReply('LINK_TIMEOUT');
    s.documentStarted('receipt', { tamper: true, flk: false });
    const sum = s.summary({ registers: 1, seed: 'x', keepAlive: false, durationMs: 2000 });
    expect(sum.latencyMs).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, mean: 50.01 });
    expect(sum.byResponseCode).toEqual({ '0': 9000, '14': 1000 });
    expect(sum.byOperatorMessage).toEqual({ '2': 1000 });
    expect(sum.invalidAckReasons).toEqual({ ACK_BAD_FPP: 1 });
    expect(sum.missingReplyReasons).toEqual({ LINK_TIMEOUT: 2 });
    expect(sum.throughput).toBe(5000);
    expect(sum.byForm).toEqual({ receipt: 1 });
    expect(sum.faults).toEqual({ tampered: 1, flkErrors: 0 });
  });

  it('reports zeros before any ack', () => {
    expect(new EmulatorStats().summary({ registers: 1, seed: 'x', keepAlive: true, durationMs: 0 }).latencyMs).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });
});
