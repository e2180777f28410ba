/**
 * Counters and ack latencies of one emulator run, and the JSON summary made from them. Plain fields and a growable
 * Float64Array: the hot path only increments; percentiles are computed once at the end.
 */
import type { FormName } from './document-stream.js';
import type { MarkingStats, MarkingSummary } from './marking-stats.js';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface EmulatorSummary {
  registers: number;
  seed: string;
  keepAlive: boolean;
  /** Distinct documents generated and sent at least once. */
  documents: number;
  /** Messages written, first sends and re-sends. */
  sent: number;
  /** Distinct documents whose acknowledgement was valid. */
  acknowledged: number;
  /** Documents sent but not acknowledged when the run ended (duration over or stopped). */
  unacknowledged: number;
  /** Valid acks by 1022 code ("0", "11", "14", …). */
  byResponseCode: Record<string, number>;
  /** Valid acks carrying 1206, by its value. */
  byOperatorMessage: Record<string, number>;
  resends: number;
  /** Replies that came but were not a valid ack, by reason (ACK_* codes). */
  invalidAcks: number;
  invalidAckReasons: Record<string, number>;
  /** No reply at all, by reason (LINK_* codes). */
  missingReplies: number;
  missingReplyReasons: Record<string, number>;
  /** Documents sent first with a wrong 1077 (`tamperRate`) / with payments that do not add up (`flkErrorRate`). */
  faults: { tampered: number; flkErrors: number };
  /** Connect-or-send → ack parsed and checked, valid acks only. */
  latencyMs: LatencySummary;
  /** Acknowledged documents per second of the run. */
  throughput: number;
  durationMs: number;
  /** Distinct documents sent, by form name. */
  byForm: Partial<Record<FormName, number>>;
  /** The marking channel's counters; only when the run exercised it (`markingPort`). */
  marking?: MarkingSummary;
}

function bump(map: Record<string, number>, key: string | number): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class EmulatorStats {
  documents = 0;
  sent = 0;
  acknowledged = 0;
  resends = 0;
  invalidAcks = 0;
  missingReplies = 0;
  tampered = 0;
  flkErrors = 0;
  readonly byResponseCode: Record<string, number> = {};
  readonly byOperatorMessage: Record<string, number> = {};
  readonly invalidAckReasons: Record<string, number> = {};
  readonly missingReplyReasons: Record<string, number> = {};
  readonly byForm: Partial<Record<FormName, number>> = {};
  /** Set when the run exercises the marking channel. */
  marking: MarkingStats | undefined = undefined;
  private latencies = new Float64Array(4096);
  private latencyCount = 0;

  documentStarted(form: FormName, faults: { tamper: boolean; flk: boolean }): void {
    this.documents++;
    this.byForm[form] = (this.byForm[form] ?? 0) + 1;
    if (faults.tamper) this.tampered++;
    if (faults.flk) this.flkErrors++;
  }

  acked(code: number, operatorMessage: number | undefined, latencyMs: number): void {
    this.acknowledged++;
    bump(this.byResponseCode, code);
    if (operatorMessage !== undefined) bump(this.byOperatorMessage, operatorMessage);
    if (this.latencyCount === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.latencyCount++] = latencyMs;
  }

  invalidAck(code: string): void {
    this.invalidAcks++;
    bump(this.invalidAckReasons, code);
  }

  missingReply(code: string): void {
    this.missingReplies++;
    bump(this.missingReplyReasons, code);
  }

  latency(): LatencySummary {
    const sorted = this.latencies.slice(0, this.latencyCount).sort();
    const n = sorted.length;
    if (n === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
    // Nearest-rank percentiles.
    const at = (p: number): number => twoDecimals(sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!);
    let sum = 0;
    for (const v of sorted) sum += v;
    return { p50: at(50), p95: at(95), p99: at(99), max: twoDecimals(sorted[n - 1]!), mean: twoDecimals(sum / n) };
  }

  summary(meta: { registers: number; seed: string; keepAlive: boolean; durationMs: number }): EmulatorSummary {
    return {
      registers: meta.registers,
      seed: meta.seed,
      keepAlive: meta.keepAlive,
      documents: this.documents,
      sent: this.sent,
      acknowledged: this.acknowledged,
      unacknowledged: this.documents - this.acknowledged,
      byResponseCode: this.byResponseCode,
      byOperatorMessage: this.byOperatorMessage,
      resends: this.resends,
      invalidAcks: this.invalidAcks,
      invalidAckReasons: this.invalidAckReasons,
      missingReplies: this.missingReplies,
      missingReplyReasons: this.missingReplyReasons,
      faults: { tampered: this.tampered, flkErrors: this.flkErrors },
      latencyMs: this.latency(),
      throughput: meta.durationMs > 0 ? twoDecimals((this.acknowledged * 1000) / meta.durationMs) : 0,
      durationMs: Math.round(meta.durationMs),
      byForm: this.byForm,
      ...(this.marking ? { marking: this.marking.summary() } : {}),
    };
  }
}

/** Summary figures (milliseconds, rates) keep two decimals. */
export function twoDecimals(n: number): number {
  return Math.round(n * 100) / 100;
}
