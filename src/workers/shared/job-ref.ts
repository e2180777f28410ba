/** What a processor needs of a BullMQ job: plain data, so processors run (and are tested) without BullMQ. */
export interface JobRef {
  readonly id: string | undefined;
  readonly name: string;
  readonly data: unknown;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** The ref of a BullMQ job; `defaultAttempts` when the job was added without `attempts`. */
export function jobRefOf(
  job: { readonly id?: string | undefined; readonly name: string; readonly data: unknown; readonly attemptsMade: number; readonly opts: { readonly attempts?: number } },
  defaultAttempts: number,
): JobRef {
  return { id: job.id, name: job.name, data: job.data, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? defaultAttempts };
}
