import { InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '@sesame/shared';

/** The environment variable that backs a flag: `--xds-address` ← `SESAME_XDS_ADDRESS` (INTERFACE.md). */
export function envName(long: string): string {
  return `SESAME_${long.replace(/^--/, '').toUpperCase().replace(/-/g, '_')}`;
}

/** A flag that is also read from its `SESAME_*` environment variable. */
export function flag(flags: string, description: string, defaultValue?: string): Option {
  const option = new Option(flags, description);
  if (option.long !== undefined) option.env(envName(option.long));
  if (defaultValue !== undefined) option.default(defaultValue);
  return option;
}

/**
 * A boolean flag: `--watch`, `--watch=false`, or `SESAME_WATCH=true|false|1|0`. commander's plain booleans
 * treat any set environment variable as true, so these parse their value.
 */
export function booleanFlag(long: string, description: string, defaultValue = false): Option {
  return flag(`${long} [bool]`, description)
    .default(defaultValue)
    .argParser((value: string) => {
      const v = value.trim().toLowerCase();
      if (['true', '1', 'yes', ''].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      throw new InvalidArgumentError('expected true or false.');
    });
}

/** A flag that may be given many times; its environment variable holds a comma-separated list. */
export function listFlag(flags: string, description: string): Option {
  return flag(flags, description)
    .default([])
    .argParser((value: string, previous: string[] | undefined) => [
      ...(previous ?? []),
      ...value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ]);
}

/** `--log-level`, shared by every command. */
export function logLevelFlag(): Option {
  return flag('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info');
}
