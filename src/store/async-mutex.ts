/**
 * A FIFO async mutex. Both adapters hold one connection (SQLite) or one advisory lock
 * (Postgres) per write transaction; queuing writers in-process avoids spinning on the
 * database's own lock and keeps commit order equal to call order within a process.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
