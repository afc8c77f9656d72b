import type { Result } from '@sesame/shared';

/**
 * Collects every problem with a command's flags so they are reported at once, each naming its flag
 * (STYLE.md: config is parsed once, every problem reported at once, then frozen).
 */
export class ConfigProblems {
  private readonly problems: string[] = [];

  /** Records `flag: problem` for a failed parse and returns its value otherwise. */
  take<T>(flagName: string, result: Result<T, string>): T | undefined {
    if (result.ok) return result.value;
    this.problems.push(`${flagName}: ${result.errors}`);
    return undefined;
  }

  add(flagName: string, problem: string): void {
    this.problems.push(`${flagName}: ${problem}`);
  }

  /** The frozen config, or every problem found. */
  finish<T extends object>(build: () => T): Result<Readonly<T>> {
    if (this.problems.length > 0) return { ok: false, errors: [...this.problems] };
    return { ok: true, value: Object.freeze(build()) };
  }
}

/** A flag's raw value as text ('' when absent); commander hands values over as `unknown`. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
