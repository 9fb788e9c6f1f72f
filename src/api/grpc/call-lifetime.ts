/**
 * When a call ends early (client cancel, deadline): the reason, a callback for whoever races
 * the handler, and an AbortSignal built only when a handler asks for one. Node's
 * AbortController costs more than the rest of a cached CheckPermission's wrapper, and unary
 * handlers rarely look at the signal.
 */
export class CallLifetime {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onAbort: ((reason: unknown) => void) | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** The same signal on every access; already aborted if the call ended before it was asked for. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** The first reason wins; later aborts are ignored, as AbortController does. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listener = this.#onAbort;
    this.#onAbort = undefined;
    listener?.(reason);
  }

  /**
   * Settles with `work`, or rejects with the abort reason if the call ends first (at once if it
   * already has). `work` keeps running either way; its outcome is then ignored.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#aborted) {
        reject(this.#reason);
        // Swallow a later rejection of the abandoned work, as Promise.race does.
        work.catch(() => undefined);
        return;
      }
      this.#onAbort = reject;
      work.then(
        (v) => {
          this.#onAbort = undefined;
          resolve(v);
        },
        (e: unknown) => {
          this.#onAbort = undefined;
          reject(e);
        },
      );
    });
  }
}
