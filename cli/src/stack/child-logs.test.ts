import { describe, expect, it } from 'vitest';
import { fatalError, forwardedLine, listeningAddress, parseLogLine } from './child-logs.js';

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);

describe('child log lines', () => {
  it('parses pino lines and keeps anything else as text', () => {
    expect(parseLogLine(line({ level: 'info', msg: 'hi' }))).toEqual({ level: 'info', msg: 'hi' });
    expect(parseLogLine('[1] 2026/01/01 Server is ready')).toEqual({ msg: '[1] 2026/01/01 Server is ready' });
    expect(parseLogLine('{not json')).toEqual({ msg: '{not json' });
    expect(parseLogLine('[1,2]')).toEqual({ msg: '[1,2]' });
  });

  it('forwards warnings and errors, tagged with the child; everything with follow', () => {
    const info = line({ level: 'info', msg: 'published snapshot' });
    const warn = line({ level: 'warn', msg: 'bad manifest', file: 'a.yaml' });
    expect(forwardedLine('watcher', info, false)).toBeUndefined();
    expect(JSON.parse(forwardedLine('watcher', warn, false) ?? '')).toEqual({
      child: 'watcher',
      level: 'warn',
      msg: 'bad manifest',
      file: 'a.yaml',
    });
    expect(JSON.parse(forwardedLine('nats', 'plain text', true) ?? '')).toEqual({
      child: 'nats',
      msg: 'plain text',
    });
    expect(forwardedLine('nats', '   ', true)).toBeUndefined();
  });

  it('reads the listening addresses the edge and the admin server log', () => {
    const xds = line({ msg: 'xDS edge listening (mutual TLS)', address: '127.0.0.1:40001' });
    const admin = line({ msg: 'admin server listening', address: '127.0.0.1:40002' });
    expect(listeningAddress(xds, 'xDS edge listening')).toEqual({ host: '127.0.0.1', port: 40001 });
    expect(listeningAddress(admin, 'admin server listening')).toEqual({ host: '127.0.0.1', port: 40002 });
    expect(listeningAddress(admin, 'xDS edge listening')).toBeUndefined();
    expect(
      listeningAddress(line({ msg: 'admin server listening' }), 'admin server listening'),
    ).toBeUndefined();
  });

  it('recognises a fatal line and names its error', () => {
    const fatal = line({ level: 'fatal', msg: 'start failed', err: { message: 'listen EADDRINUSE' } });
    expect(fatalError(fatal)).toBe('listen EADDRINUSE');
    expect(fatalError(line({ level: 'fatal', msg: 'start failed' }))).toBe('start failed');
    expect(fatalError(line({ level: 'error', msg: 'rebuild failed' }))).toBeUndefined();
  });
});
