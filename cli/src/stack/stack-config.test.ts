import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { childEnvironment, parseStackConfig } from './stack-config.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/manifests', import.meta.url));

/** The flags as commander hands them over with every default applied. */
const DEFAULTS: Record<string, unknown> = {
  bus: 'nats',
  edges: '3',
  manifests: EXAMPLES,
  dir: '.sesame/stack',
  busPort: '0',
  xdsBasePort: '0',
  adminBasePort: '0',
  follow: false,
  readyTimeoutMs: '60000',
  graceMs: '10000',
  logLevel: 'info',
};

describe('parseStackConfig', () => {
  it('accepts the defaults', () => {
    const config = parseStackConfig(DEFAULTS);
    expect(config.ok && config.value).toMatchObject({
      bus: 'nats',
      edges: 3,
      manifests: EXAMPLES,
      host: '127.0.0.1',
      busPort: 0,
      follow: false,
      readyTimeoutMs: 60_000,
    });
    expect(config.ok && config.value.dir).toMatch(/\.sesame\/stack$/);
  });

  it('reports every problem at once, each with its flag', () => {
    const config = parseStackConfig({
      ...DEFAULTS,
      bus: 'memory',
      edges: '0',
      manifests: '/no/such/folder',
      graceMs: 'soon',
    });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.errors).toEqual([
      '--bus: expected nats or redis, got "memory"',
      '--edges: expected 1 to 16, got 0',
      expect.stringMatching(/^--grace-ms: /),
      '--manifests: folder "/no/such/folder" does not exist',
    ]);
  });

  it('refuses base ports whose range runs past 65535', () => {
    // Four edges: xDS on base..base+3; admin on base (watcher) and base+1..base+4 (edges).
    const config = parseStackConfig({
      ...DEFAULTS,
      edges: '4',
      xdsBasePort: '65533',
      adminBasePort: '65531',
    });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.errors).toEqual(['--xds-base-port: ports 65533 to 65536 do not all fit below 65536']);
  });

  it('takes redis and fixed ports', () => {
    const config = parseStackConfig({ ...DEFAULTS, bus: 'redis', busPort: '16379', xdsBasePort: '18001' });
    expect(config.ok && config.value).toMatchObject({ bus: 'redis', busPort: 16379, xdsBasePort: 18001 });
  });
});

describe('childEnvironment', () => {
  it('drops the SESAME_* variables and keeps the rest', () => {
    expect(childEnvironment({ PATH: '/bin', SESAME_BUS: 'redis', SESAME_TLS_DIR: '/x', HOME: '/h' })).toEqual(
      {
        PATH: '/bin',
        HOME: '/h',
      },
    );
  });
});
