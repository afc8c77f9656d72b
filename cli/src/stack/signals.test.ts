import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { STOP_SIGNALS, watchStopSignals } from './signals.js';

describe('watchStopSignals', () => {
  it('resolves on the first stop signal and reports the ones after it', async () => {
    const source = new EventEmitter();
    const signals = watchStopSignals(source);
    const repeats: string[] = [];
    signals.onRepeat((signal) => repeats.push(signal));
    source.emit('SIGTERM', 'SIGTERM');
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGHUP', 'SIGHUP');
    expect(await signals.first).toBe('SIGTERM');
    expect(repeats).toEqual(['SIGINT', 'SIGHUP']);
  });

  it('removes its listeners when disposed', () => {
    const source = new EventEmitter();
    const signals = watchStopSignals(source);
    for (const signal of STOP_SIGNALS) expect(source.listenerCount(signal)).toBe(1);
    signals.dispose();
    for (const signal of STOP_SIGNALS) expect(source.listenerCount(signal)).toBe(0);
  });
});
