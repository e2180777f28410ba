/**
 * At most `slots` tasks running at once; the rest wait in arrival order. For work a worker fans out from one job (the
 * sales of a crpt batch job) that must not exceed what its one-item jobs' concurrency allowed.
 */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(slots: number): Limit {
  const max = Math.max(1, Math.floor(slots));
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < max) running += 1;
    // The slot passes from the task that releases it straight to this one: `running` stays as it was.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}
