/** Counters of the marking channel (spec §6) in one emulator run; in the summary only when `markingPort` is set. */

export interface MarkingSummary {
  /** Form 81 messages sent (one per marking code of a marked receipt). */
  checkRequests: number;
  /** Valid form 83 answers. */
  checkAnswers: number;
  /** Valid 83s saying the OISM did not check the code (no 2109, 2005 without 0x04): the register sells permissively. */
  unableToCheck: number;
  /** 81s left without a valid 83 (no reply or an invalid one); the receipt goes ahead anyway. */
  unanswered: number;
  /** Valid 83s by 2105 (processing code) and by 2109 (OISM answer on the item). */
  byProcessingCode: Record<string, number>;
  byItemAnswer: Record<string, number>;
  /** Distinct form 82 notifications (one per acknowledged marked receipt). */
  notifications: number;
  /** Notifications answered with a valid form 84. */
  notificationReceipts: number;
  /** Form 84 by 2111 (processing code). */
  byNotificationResult: Record<string, number>;
  /** Notifications sent but not receipted when the run ended. */
  unreceipted: number;
  /** Re-sends of a notification after a missing or invalid 84. */
  resends: number;
  /** Replies (83 or 84) that came but did not check out, by reason. */
  invalid: number;
  invalidReasons: Record<string, number>;
  /** No reply at all (83 or 84), by reason (LINK_* codes). */
  missingReplies: number;
  missingReplyReasons: Record<string, number>;
}

function bump(map: Record<string, number>, key: string | number): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class MarkingStats {
  checkRequests = 0;
  checkAnswers = 0;
  unableToCheck = 0;
  unanswered = 0;
  notifications = 0;
  notificationReceipts = 0;
  resends = 0;
  invalid = 0;
  missingReplies = 0;
  readonly byProcessingCode: Record<string, number> = {};
  readonly byItemAnswer: Record<string, number> = {};
  readonly byNotificationResult: Record<string, number> = {};
  readonly invalidReasons: Record<string, number> = {};
  readonly missingReplyReasons: Record<string, number> = {};

  checkAnswered(processingCode: number | undefined, itemAnswer: number | undefined, unable: boolean): void {
    this.checkAnswers++;
    bump(this.byProcessingCode, processingCode ?? 'none');
    if (itemAnswer !== undefined) bump(this.byItemAnswer, itemAnswer);
    if (unable) this.unableToCheck++;
  }

  receipted(processingCode: number | undefined): void {
    this.notificationReceipts++;
    bump(this.byNotificationResult, processingCode ?? 'none');
  }

  invalidAnswer(code: string): void {
    this.invalid++;
    bump(this.invalidReasons, code);
  }

  missingReply(code: string): void {
    this.missingReplies++;
    bump(this.missingReplyReasons, code);
  }

  summary(): MarkingSummary {
    return {
      checkRequests: this.checkRequests,
      checkAnswers: this.checkAnswers,
      unableToCheck: this.unableToCheck,
      unanswered: this.unanswered,
      byProcessingCode: this.byProcessingCode,
      byItemAnswer: this.byItemAnswer,
      notifications: this.notifications,
      notificationReceipts: this.notificationReceipts,
      byNotificationResult: this.byNotificationResult,
      unreceipted: this.notifications - this.notificationReceipts,
      resends: this.resends,
      invalid: this.invalid,
      invalidReasons: this.invalidReasons,
      missingReplies: this.missingReplies,
      missingReplyReasons: this.missingReplyReasons,
    };
  }
}
