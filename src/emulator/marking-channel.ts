/**
 * One register's marking channel (spec §6): its own link to the marking port, its FN's request (2001) and notification
 * (2002) counters, both from 1.
 *
 * Before a marked receipt: one form 81 per code, one attempt each, waiting for a valid form 83; a missing or invalid 83
 * is counted and the sale goes ahead (permissive mode). After the receipt is acknowledged: one form 82 for its codes,
 * re-sent with the document backoff until a valid form 84 arrives (or the run stops) — the FN keeps a notification
 * like a document.
 */
import { CheckBits } from '../../protocol/marking-forms.js';
import type { FnWire } from './document-message.js';
import type { MarkingStats } from './marking-stats.js';
import {
  answerUint,
  buildCodeCheckRequest,
  buildSaleNotification,
  checkMarkingAnswer,
  FORM_CODE_CHECK_ANSWER,
  FORM_NOTIFICATION_RECEIPT,
} from './marking-message.js';
import { OfdLink, type LinkOptions } from './ofd-link.js';
import type { RunControl } from './run-control.js';

export type MarkingEvent =
  | {
      type: 'marking-check';
      fiscalDriveNumber: string;
      fiscalDocumentNumber: number;
      code: string;
      requestNumber: number;
      /** A valid 83 came. */
      ok: boolean;
      /** 2105 / 2109 of a valid 83 (2109 undefined: unable to check). */
      processingCode: number | undefined;
      itemAnswer: number | undefined;
      reason: string | undefined;
    }
  | {
      type: 'marking-notification';
      fiscalDriveNumber: string;
      fiscalDocumentNumber: number;
      notificationNumber: number;
      codes: number;
      attempt: number;
      /** A valid 84 came (else this attempt is re-sent). */
      ok: boolean;
      /** 2111 of a valid 84. */
      processingCode: number | undefined;
      reason: string | undefined;
    };

export interface MarkingContext {
  link: LinkOptions;
  stats: MarkingStats;
  control: RunControl;
  /** Check ФПО/ФПП of 83/84 (devsign). */
  verifySigns: boolean;
  /** Notification re-send backoff (the same as documents'). */
  backoff: (attempt: number) => number;
  onEvent: ((e: MarkingEvent) => void) | undefined;
}

/** What the FN puts in a notification's 2004 per code: FN check done and positive, plus the OISM bits the 83 gave. */
const FN_CHECKED = CheckBits.fnChecked | CheckBits.fnPositive;

export class MarkingChannel {
  private readonly link: OfdLink;
  private requestNumber = 0;
  private notificationNumber = 0;

  constructor(
    private readonly wire: FnWire,
    private readonly ctx: MarkingContext,
  ) {
    this.link = new OfdLink(ctx.link);
  }

  /** Form 81 → 83 for each code; resolves with each code's 2004 bits for the later notification. Never blocks the sale. */
  async checkCodes(fiscalDocumentNumber: number, codes: readonly string[], dateTime: number): Promise<number[]> {
    const { stats, onEvent } = this.ctx;
    const results: number[] = [];
    for (const code of codes) {
      if (this.ctx.control.stopped) break;
      const requestNumber = ++this.requestNumber;
      stats.checkRequests++;
      const result = await this.link.exchange(buildCodeCheckRequest(this.wire, fiscalDocumentNumber, code, requestNumber, dateTime));
      let reason: string | undefined;
      let processingCode: number | undefined;
      let itemAnswer: number | undefined;
      let bits = FN_CHECKED;
      if (result.ok) {
        const verdict = checkMarkingAnswer(result.frame, this.wire, { form: FORM_CODE_CHECK_ANSWER, numberTag: 2001, number: requestNumber, verifySigns: this.ctx.verifySigns });
        if (verdict.ok) {
          processingCode = answerUint(verdict.fields, 2105);
          itemAnswer = answerUint(verdict.fields, 2109);
          const oism = answerUint(verdict.fields, 2005) ?? 0;
          const unable = itemAnswer === undefined || (oism & CheckBits.oismChecked) === 0;
          stats.checkAnswered(processingCode, itemAnswer, unable);
          bits |= oism & (CheckBits.oismChecked | CheckBits.oismPositive);
        } else {
          stats.invalidAnswer(verdict.code);
          reason = verdict.code;
        }
      } else {
        stats.missingReply(result.code);
        reason = result.code;
      }
      if (reason !== undefined) stats.unanswered++;
      results.push(bits);
      onEvent?.({
        type: 'marking-check',
        fiscalDriveNumber: this.wire.fiscalDriveNumber,
        fiscalDocumentNumber,
        code,
        requestNumber,
        ok: reason === undefined,
        processingCode,
        itemAnswer,
        reason,
      });
    }
    return results;
  }

  /** Form 82 for a sold receipt, re-sent until a valid 84; true when receipted, false when the run stopped first. */
  async notifySale(fiscalDocumentNumber: number, codes: readonly string[], checkResults: readonly number[]): Promise<boolean> {
    const { stats, control, onEvent } = this.ctx;
    const notificationNumber = ++this.notificationNumber;
    const message = buildSaleNotification(this.wire, fiscalDocumentNumber, notificationNumber, codes, checkResults);
    stats.notifications++;
    /** One event per attempt: receipted (a processing code) or not (a reason). */
    const event = (attempt: number, processingCode: number | undefined, reason: string | undefined): void =>
      onEvent?.({
        type: 'marking-notification',
        fiscalDriveNumber: this.wire.fiscalDriveNumber,
        fiscalDocumentNumber,
        notificationNumber,
        codes: codes.length,
        attempt,
        ok: reason === undefined,
        processingCode,
        reason,
      });
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) stats.resends++;
      const result = await this.link.exchange(message);
      let reason: string;
      if (result.ok) {
        const verdict = checkMarkingAnswer(result.frame, this.wire, {
          form: FORM_NOTIFICATION_RECEIPT,
          numberTag: 2002,
          number: notificationNumber,
          verifySigns: this.ctx.verifySigns,
        });
        if (verdict.ok) {
          const processingCode = answerUint(verdict.fields, 2111);
          stats.receipted(processingCode);
          event(attempt, processingCode, undefined);
          return true;
        }
        stats.invalidAnswer(verdict.code);
        reason = verdict.code;
      } else {
        stats.missingReply(result.code);
        reason = result.code;
      }
      event(attempt, undefined, reason);
      if (control.stopped) return false;
      await control.sleep(this.ctx.backoff(attempt));
      if (control.stopped) return false;
    }
  }

  close(): void {
    this.link.close();
  }
}
