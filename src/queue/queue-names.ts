/** The BullMQ queues (architecture §1): one per concern, so each scales and fails on its own. */
export const QueueNames = {
  /** Gateway → persist worker: every accepted document, raw bytes included. */
  documents: 'documents',
  /** Persist worker → FNS adapter. */
  fns: 'fns',
  /** Persist worker → CRPT (marking) adapter. */
  crpt: 'crpt',
  /** Persist worker → e-mail / SMS receipts and webhooks. */
  notify: 'notify',
  /** API / sweep → the fns-kkt worker: KKT registration applications, one job per application step. */
  fnsKkt: 'fns-kkt',
  /** API / «Выгрузки» schedule → exports worker: receipt and shift exports written in the background (export_jobs). */
  exports: 'exports',
  /** Gateway → acks worker: the acknowledgements actually written to registers' sockets, one job per flush (≈ 200 ms). */
  acks: 'acks',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueNames);
