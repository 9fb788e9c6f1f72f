/**
 * The background GC job: runs `gc()` every interval, never two at once, and never keeps
 * the process alive on its own (the timer is unref'd).
 */
export interface BackgroundJob {
  stop(): Promise<void>;
}

export function startBackgroundGc(gc: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void): BackgroundJob {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = gc()
      .then(
        () => undefined,
        (e: unknown) => onError(e),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export const DEFAULT_QUANTIZATION_MS = 5_000;
export const DEFAULT_GC_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_GC_INTERVAL_MS = 3 * 60 * 1000;
/** Rows deleted per GC statement, so GC never holds the write lock for long. */
export const GC_BATCH_SIZE = 1000;
