import { describe, expect, it } from 'vitest';
import { envName } from './flags.js';
import { buildProgram } from './main.js';

describe('flags', () => {
  it('derive SESAME_* environment variable names from long flags', () => {
    expect(envName('--xds-address')).toBe('SESAME_XDS_ADDRESS');
    expect(envName('--bus')).toBe('SESAME_BUS');
  });

  it('every flag of every command can be set from its environment variable', () => {
    const missing: string[] = [];
    for (const command of buildProgram().commands) {
      for (const option of command.options) {
        if (option.long === undefined || option.long === '--help') continue;
        if (option.envVar !== envName(option.long)) missing.push(`${command.name()} ${option.long}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
