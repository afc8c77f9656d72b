// "Nothing else is on its way", asserted without sleeping: the test subscribes one more probe resource, which
// the edge must answer; that answer has to be the very next response, because one stream's responses arrive
// in the order the edge wrote them. Publish `withProbes(...)` so the probes exist.
import { TypeUrl, type Resource } from '@sesame/shared';
import { expect } from 'vitest';
import type { ScriptedAdsClient } from './ads-client.js';
import type { ScriptedDeltaClient } from './delta-client.js';
import { secret } from './resources.js';

/** Probe secrets: the edge never sends them unless asked. */
export const PROBES: readonly Resource[] = Array.from({ length: 12 }, (_, i) => secret(`probe/${i}`));

/** `resources` plus the probes. */
export function withProbes(resources: Iterable<Resource>): Resource[] {
  return [...resources, ...PROBES];
}

const used = new WeakMap<object, number>();

/** Asserts a state-of-the-world stream is owed nothing: its next response answers a new probe (then ACKed). */
export async function quiet(c: ScriptedAdsClient): Promise<void> {
  const n = (used.get(c) ?? 0) + 1;
  used.set(c, n);
  const names = PROBES.slice(0, n).map((p) => p.name);
  const r = await c.expectQuiet({ typeUrl: TypeUrl.Secret, names });
  expect(r.names).toEqual([`probe/${n - 1}`]);
  c.ack(r, names);
}

/** Asserts a delta stream is owed nothing, the same way. */
export async function quietDelta(c: ScriptedDeltaClient): Promise<void> {
  const n = (used.get(c) ?? 0) + 1;
  used.set(c, n);
  c.ack(await c.expectQuiet({ typeUrl: TypeUrl.Secret, name: `probe/${n - 1}` }));
}
