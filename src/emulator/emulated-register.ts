/**
 * One emulated register (KKT with its FN) on the network, behaving like a fiscal drive's send queue (§8): it sends
 * the first unacknowledged document and keeps re-sending that same document — after a missing reply or an invalid
 * acknowledgement, with a growing backoff — until a valid ack for it arrives; only then does the next document go.
 * Documents are generated when they reach the head of the queue, so memory stays flat however long the run — unless
 * the run asked for some to be prebuilt before its clock starts (load runs on a shared machine).
 */
import { checkAckFrame, type AckExpectation } from './ack-check.js';
import { buildDocumentMessage, fnWire, type DocumentMessage, type FnWire } from './document-message.js';
import { DocumentStream, type FormName, type GeneratedDocument, type StreamOptions } from './document-stream.js';
import type { EmulatorStats } from './emulator-stats.js';
import type { FixtureRecorder } from './fixture-recorder.js';
import { MarkingChannel, type MarkingEvent } from './marking-channel.js';
import { markingCodesOf } from './marking-message.js';
import { OfdLink, type LinkOptions } from './ofd-link.js';
import type { RegisterIdentity } from './register-identity.js';
import type { RunControl } from './run-control.js';

export type EmulatorEvent =
  | {
      type: 'ack';
      fiscalDriveNumber: string;
      fiscalDocumentNumber: number;
      form: FormName;
      ofdResponseCode: number;
      attempt: number;
      latencyMs: number;
      /** The message this ack answered, as sent (session header + container): what the OFD must store byte for byte. */
      sent: Buffer;
      /** The document as the emulator built it (its FNS JSON fields), for checking what the OFD shows against it. */
      document: GeneratedDocument;
    }
  | { type: 'retry'; fiscalDriveNumber: string; fiscalDocumentNumber: number; reason: string; attempt: number };

/** When each register's next document is due. */
export type Pacing =
  /** Open loop: a new document every `intervalMs`, whether or not the previous one was acked yet (backlog builds). */
  | { kind: 'interval'; intervalMs: number }
  /** Closed loop: `thinkMs` after each acknowledgement (0 = as fast as acks come back). */
  | { kind: 'think'; thinkMs: number };

export interface RegisterContext {
  stats: EmulatorStats;
  control: RunControl;
  link: LinkOptions;
  stream: StreamOptions;
  masterKey: string | Buffer;
  pacing: Pacing;
  /** First re-send delay; doubles per attempt up to `maxRetryDelayMs`. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  recorder: FixtureRecorder | undefined;
  onEvent: ((e: EmulatorEvent) => void) | undefined;
  /** The marking port (spec §6) for marked receipts' 81/82 traffic; undefined = no marking traffic. */
  marking: { link: LinkOptions; verifySigns: boolean; onEvent: ((e: MarkingEvent) => void) | undefined } | undefined;
}

interface ReadyDocument {
  doc: GeneratedDocument;
  message: DocumentMessage;
}

export class EmulatedRegister {
  readonly wire: FnWire;
  private readonly stream: DocumentStream;
  /** Documents built ahead by prebuild(), sent first, in order; `readyAt` is the next one. */
  private ready: Array<ReadyDocument | undefined> = [];
  private readyAt = 0;
  private readonly link: OfdLink;
  private readonly marking: MarkingChannel | undefined;

  constructor(
    readonly identity: RegisterIdentity,
    private readonly ctx: RegisterContext,
  ) {
    this.wire = fnWire(identity, ctx.masterKey);
    this.stream = new DocumentStream(identity, ctx.stream);
    this.link = new OfdLink(ctx.link);
    const stats = ctx.stats.marking;
    if (ctx.marking && stats) {
      this.marking = new MarkingChannel(this.wire, {
        link: ctx.marking.link,
        stats,
        control: ctx.control,
        verifySigns: ctx.marking.verifySigns,
        backoff: (attempt) => this.backoff(attempt),
        onEvent: ctx.marking.onEvent,
      });
    }
  }

  /** Builds and signs the next `count` documents now (before the run's clock starts), to be sent in order. */
  prebuild(count: number): void {
    for (let i = 0; i < count; i++) {
      const doc = this.stream.next();
      if (!doc) break;
      this.ready.push({ doc, message: buildDocumentMessage(this.wire, doc) });
    }
  }

  private nextDocument(): ReadyDocument | undefined {
    if (this.readyAt < this.ready.length) {
      const item = this.ready[this.readyAt];
      // Let the sent one go: a long run's memory shrinks as the prebuilt documents are used up.
      this.ready[this.readyAt++] = undefined;
      if (this.readyAt === this.ready.length) [this.ready, this.readyAt] = [[], 0];
      return item;
    }
    const doc = this.stream.next();
    return doc ? { doc, message: buildDocumentMessage(this.wire, doc) } : undefined;
  }

  /** Runs until the document budget is spent or the run stops; `firstDueAt` (ms epoch) spreads the fleet's start. */
  async run(firstDueAt: number): Promise<void> {
    const { control, pacing } = this.ctx;
    let due = firstDueAt;
    try {
      while (!control.stopped) {
        await control.sleep(due - Date.now());
        if (control.stopped) break;
        const acked = await this.sendNext();
        if (acked === undefined) break;
        due = pacing.kind === 'interval' ? due + pacing.intervalMs : Date.now() + pacing.thinkMs;
      }
    } finally {
      this.link.close();
      this.marking?.close();
    }
  }

  /** Generates the next document and sends it until acked; undefined when there is none, false when stopped first. */
  private async sendNext(): Promise<boolean | undefined> {
    const { stats, control, onEvent } = this.ctx;
    const next = this.nextDocument();
    if (!next) return undefined;
    const { doc, message } = next;
    stats.documentStarted(doc.formName, { tamper: doc.tamperFault, flk: doc.flkFault });
    if (this.ctx.recorder) await this.ctx.recorder.record(this.wire.fiscalDriveNumber, doc, message);
    // Marked receipts: the codes are checked on the marking port first (a failed check does not stop the sale).
    const codes = this.marking && doc.formName === 'receipt' ? markingCodesOf(doc.fields()) : [];
    const checkResults = codes.length > 0 && this.marking ? await this.marking.checkCodes(doc.fiscalDocumentNumber, codes, Math.floor(Date.now() / 1000)) : [];
    const expect: AckExpectation = {
      fnField: this.wire.fnField,
      fiscalDriveNumber: this.wire.fiscalDriveNumber,
      fiscalDocumentNumber: doc.fiscalDocumentNumber,
      kFn: this.wire.kFn,
    };
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) stats.resends++;
      stats.sent++;
      const startedAt = performance.now();
      const sent = attempt === 0 && message.tamperedBytes ? message.tamperedBytes : message.bytes;
      const result = await this.link.exchange(sent);
      let reason: string;
      if (result.ok) {
        const verdict = checkAckFrame(result.frame, expect);
        if (verdict.ok) {
          const latencyMs = performance.now() - startedAt;
          stats.acked(verdict.ofdResponseCode, verdict.operatorMessage, latencyMs);
          onEvent?.({
            type: 'ack',
            fiscalDriveNumber: this.wire.fiscalDriveNumber,
            fiscalDocumentNumber: doc.fiscalDocumentNumber,
            form: doc.formName,
            ofdResponseCode: verdict.ofdResponseCode,
            attempt,
            latencyMs,
            sent,
            document: doc,
          });
          if (codes.length > 0 && this.marking && !control.stopped) await this.marking.notifySale(doc.fiscalDocumentNumber, codes, checkResults);
          return true;
        }
        stats.invalidAck(verdict.code);
        reason = verdict.code;
      } else {
        stats.missingReply(result.code);
        reason = result.code;
      }
      onEvent?.({ type: 'retry', fiscalDriveNumber: this.wire.fiscalDriveNumber, fiscalDocumentNumber: doc.fiscalDocumentNumber, reason, attempt });
      if (control.stopped) return false;
      await control.sleep(this.backoff(attempt));
      if (control.stopped) return false;
    }
  }

  /** retryDelay · 2^attempt, capped, ±20 % jitter so a fleet that lost the OFD together does not return in lockstep. */
  private backoff(attempt: number): number {
    const base = Math.min(this.ctx.maxRetryDelayMs, this.ctx.retryDelayMs * 2 ** Math.min(attempt, 20));
    return base * (0.8 + 0.4 * Math.random());
  }
}
