/**
 * Responses of one client stream in arrival order, each taken once, with an optional deadline; the stream's
 * end resolves waiters with `undefined` (a clean end) or rejects them (an error).
 */
export class ResponseQueue<T> {
  private readonly queue: T[] = [];
  private readonly waiters: Array<{ resolve: (r: T | undefined) => void; reject: (e: Error) => void }> = [];
  private ended: Error | null | undefined;

  /** True once the stream is over. */
  isEnded(): boolean {
    return this.ended !== undefined;
  }

  push(response: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(response);
    else this.queue.push(response);
  }

  /** Ends the stream: null for a clean end. Later calls change nothing. */
  finish(error: Error | null): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    for (const w of this.waiters.splice(0)) {
      if (error === null) w.resolve(undefined);
      else w.reject(error);
    }
  }

  /** The next response; undefined once the stream ended cleanly. */
  take(timeoutMs: number | undefined): Promise<T | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended === null) return Promise.resolve(undefined);
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: (r: T | undefined) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no xDS response within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /** Iterates the responses until the stream ends; leaving the loop runs `onReturn`. */
  iterate(onReturn: () => void): AsyncIterator<T> {
    return {
      next: async () => {
        const value = await this.take(undefined);
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: () => {
        onReturn();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
