/** The outcome of pure domain logic: bad input is a value, not an exception (STYLE.md, rule 3). */
export type Result<T, E = readonly string[]> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: E };
