// Waiting without sleeping: re-check a condition whenever something signals a change, or poll it, always
// against a deadline so a broken test fails with a message instead of hanging.
import { setTimeout as delay } from 'node:timers/promises';

/** How long to wait and what to call the condition in the timeout error. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly what?: string;
}

/**
 * Resolves once `check()` is true, re-checking each time `onChange` calls the notifier it is given (it returns
 * an unsubscribe function); rejects after `timeoutMs` (default 10 s).
 */
export function waitForCondition(
  check: () => boolean,
  onChange: (notify: () => void) => () => void,
  options: WaitOptions = {},
): Promise<void> {
  if (check()) return Promise.resolve();
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    // Filled in once `onChange` returns; the notifier may fire before that.
    const subscription: { unsubscribe?: () => void } = {};
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      subscription.unsubscribe?.();
      if (err === undefined) resolve();
      else reject(err);
    };
    const timer = setTimeout(
      () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}`)),
      timeoutMs,
    );
    const unsubscribe = onChange(() => {
      if (check()) done();
    });
    subscription.unsubscribe = unsubscribe;
    // The notifier may have fired synchronously (before `unsubscribe` was known), or a change slipped in meanwhile.
    if (settled) unsubscribe();
    else if (check()) done();
  });
}

/** Polls `predicate` every `intervalMs` (default 5 ms) until it holds; rejects after `timeoutMs` (default 10 s). */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions & { readonly intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}`);
    await delay(options.intervalMs ?? 5);
  }
}
