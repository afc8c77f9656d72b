import { describe, expect, it } from 'vitest';
import { displayPath, formatSummary, shellQuote, tryCommands, type StackSummary } from './summary.js';

const SUMMARY: StackSummary = {
  bus: {
    kind: 'nats',
    server: 'nats-server',
    url: 'nats://127.0.0.1:4222',
    pid: 10,
    dataDir: '/repo/.sesame/stack/nats',
  },
  watcher: { pid: 11, admin: { host: '127.0.0.1', port: 8000 }, manifests: '/repo/examples/manifests' },
  edges: [
    {
      name: 'edge-1',
      pid: 12,
      xds: { host: '127.0.0.1', port: 8001 },
      admin: { host: '127.0.0.1', port: 8101 },
    },
    {
      name: 'edge-2',
      pid: 13,
      xds: { host: '127.0.0.1', port: 8002 },
      admin: { host: '127.0.0.1', port: 8102 },
    },
  ],
  certs: '/repo/.sesame/stack/certs',
  logs: '/repo/.sesame/stack/logs',
};

describe('stack summary', () => {
  it('quotes only what a shell would split or expand', () => {
    expect(shellQuote('.sesame/stack/certs/envoy')).toBe('.sesame/stack/certs/envoy');
    expect(shellQuote('/my certs')).toBe(`'/my certs'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });

  it('shows paths relative to the working directory when they are inside it', () => {
    expect(displayPath('/repo/.sesame/stack', '/repo')).toBe('.sesame/stack');
    expect(displayPath('/repo', '/repo')).toBe('.');
    expect(displayPath('/elsewhere/certs', '/repo')).toBe('/elsewhere/certs');
  });

  it('gives the exact sesame xds and bootstrap commands for an edge', () => {
    const commands = tryCommands(SUMMARY, SUMMARY.edges[1]!, '/repo');
    expect(commands.xds).toBe(
      'npx sesame xds --server 127.0.0.1:8002 --tls-dir .sesame/stack/certs/envoy --type all',
    );
    expect(commands.bootstrap.replace(/ \\\n\s+/g, ' ')).toBe(
      'npx sesame bootstrap envoy.json --xds-address 127.0.0.1 --xds-port 8002 ' +
        '--cafile .sesame/stack/certs/envoy/ca.crt --cert-file .sesame/stack/certs/envoy/tls.crt ' +
        '--key-file .sesame/stack/certs/envoy/tls.key',
    );
  });

  it('lists where every part listens, then what to try', () => {
    expect(formatSummary(SUMMARY, '/repo')).toBe(
      [
        'sesame stack is ready: watcher, nats bus and 2 xDS edge(s)',
        '  bus      nats://127.0.0.1:4222 (nats-server, data in .sesame/stack/nats)',
        '  watcher  admin http://127.0.0.1:8000, manifests examples/manifests',
        '  edge-1   xDS 127.0.0.1:8001 (mTLS), admin http://127.0.0.1:8101',
        '  edge-2   xDS 127.0.0.1:8002 (mTLS), admin http://127.0.0.1:8102',
        '  certs    .sesame/stack/certs',
        '  logs     .sesame/stack/logs',
        '',
        'What an Envoy receives (any edge serves the same):',
        '  npx sesame xds --server 127.0.0.1:8001 --tls-dir .sesame/stack/certs/envoy --type all',
        'Point a real Envoy at an edge:',
        '  npx sesame bootstrap envoy.json --xds-address 127.0.0.1 --xds-port 8001 \\',
        '    --cafile .sesame/stack/certs/envoy/ca.crt --cert-file .sesame/stack/certs/envoy/tls.crt --key-file .sesame/stack/certs/envoy/tls.key',
        '  envoy -c envoy.json',
        '',
        'Edit a file in the manifests folder and every edge serves the change. Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  });
});
