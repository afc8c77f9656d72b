import type { Audience, Result } from '@sesame/shared';

interface Counts {
  envoy: number;
  grpc: number;
}

/**
 * Reference counts of named outputs (clusters, secrets) by the model objects that produce them and the
 * view that uses them, so an output exists exactly while something references it and is shared by both
 * views when both do. Names whose counts changed are remembered until taken.
 */
export class RefCounts<T extends object> {
  private readonly byName = new Map<string, Map<T, Counts>>();
  private readonly touched = new Set<string>();

  /** Adds (`delta` 1) or drops (-1) one reference to `name`, produced by `value`, from `view`. */
  add(name: string, value: T, view: 'envoy' | 'grpc', delta: 1 | -1): void {
    let objects = this.byName.get(name);
    if (objects === undefined) {
      objects = new Map();
      this.byName.set(name, objects);
    }
    let counts = objects.get(value);
    if (counts === undefined) {
      counts = { envoy: 0, grpc: 0 };
      objects.set(value, counts);
    }
    counts[view] += delta;
    if (counts.envoy <= 0 && counts.grpc <= 0) objects.delete(value);
    if (objects.size === 0) this.byName.delete(name);
    this.touched.add(name);
  }

  /** Names whose references changed since the last call. */
  takeTouched(): string[] {
    const names = [...this.touched];
    this.touched.clear();
    return names;
  }

  /**
   * The output to publish under `name`: among the objects referencing it (they encode alike unless
   * something is amiss), the one with the smallest encoding, so the choice never depends on event order;
   * its audience covers every view that uses the name. Undefined when nothing references it or nothing
   * referencing it encodes.
   */
  representative(
    name: string,
    encode: (value: T) => Result<Uint8Array>,
  ): { value: T; body: Uint8Array; audience: Audience } | undefined {
    const objects = this.byName.get(name);
    if (objects === undefined) return undefined;
    let best: { value: T; body: Uint8Array } | undefined;
    let envoy = 0;
    let grpc = 0;
    for (const [value, counts] of objects) {
      envoy += counts.envoy;
      grpc += counts.grpc;
      const encoded = encode(value);
      if (!encoded.ok) continue;
      if (
        best === undefined ||
        (best.body !== encoded.value && Buffer.compare(encoded.value, best.body) < 0)
      ) {
        best = { value, body: encoded.value };
      }
    }
    if (best === undefined) return undefined;
    const audience: Audience = envoy > 0 && grpc > 0 ? 'all' : envoy > 0 ? 'envoy' : 'grpc';
    return { ...best, audience };
  }
}
