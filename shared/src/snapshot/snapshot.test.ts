import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../proto/type-urls.js';
import { decodeMessage } from '../proto/codec.js';
import { encodeResource, type Resource } from './resource.js';
import {
  applyChange,
  createSnapshot,
  diffSnapshots,
  EMPTY_SNAPSHOT,
  fullChange,
  updateSnapshot,
  type Snapshot,
} from './snapshot.js';

function cluster(name: string, timeout = 5): Resource {
  return encodeResource({
    typeUrl: TypeUrl.Cluster,
    name,
    message: { name, type: 'EDS', connect_timeout: { seconds: timeout } },
  });
}

function endpoints(name: string, ip: string): Resource {
  return encodeResource({
    typeUrl: TypeUrl.ClusterLoadAssignment,
    name,
    message: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: 80 } } } }] },
      ],
    },
  });
}

function build(resources: Resource[]): Snapshot {
  const r = createSnapshot(resources);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

describe('resources', () => {
  it('encode real Envoy messages that decode back', () => {
    const r = cluster('default/echo/80/da39a3ee5e');
    expect(decodeMessage(r.typeUrl, r.body)).toEqual({
      name: 'default/echo/80/da39a3ee5e',
      type: 'EDS',
      connect_timeout: '5s',
    });
  });

  it('derive the version from type, name, audience and bytes only', () => {
    expect(cluster('a').version).toBe(cluster('a').version);
    expect(cluster('a').version).not.toBe(cluster('b').version);
    expect(cluster('a', 5).version).not.toBe(cluster('a', 6).version);
    const grpcOnly = encodeResource({
      typeUrl: TypeUrl.Cluster,
      name: 'a',
      message: { name: 'a', type: 'EDS', connect_timeout: { seconds: 5 } },
      audience: 'grpc',
    });
    expect(grpcOnly.version).not.toBe(cluster('a').version);
  });
});

describe('snapshots', () => {
  it('have the same version for the same content in any order', () => {
    const items = [cluster('a'), cluster('b'), endpoints('a', '10.0.0.1'), endpoints('b', '10.0.0.2')];
    const forward = build(items);
    const backward = build([...items].reverse());
    expect(forward.version).toBe(backward.version);
    expect(forward.types.get(TypeUrl.Cluster)?.version).toBe(backward.types.get(TypeUrl.Cluster)?.version);
    expect(forward.size).toBe(4);
  });

  it('change version when any resource changes, and only for the type that changed', () => {
    const before = build([cluster('a'), endpoints('a', '10.0.0.1')]);
    const after = build([cluster('a'), endpoints('a', '10.0.0.2')]);
    expect(after.version).not.toBe(before.version);
    expect(after.types.get(TypeUrl.Cluster)?.version).toBe(before.types.get(TypeUrl.Cluster)?.version);
    expect(after.types.get(TypeUrl.ClusterLoadAssignment)?.version).not.toBe(
      before.types.get(TypeUrl.ClusterLoadAssignment)?.version,
    );
  });

  it('reject duplicate names instead of collapsing them', () => {
    const r = createSnapshot([cluster('a'), cluster('a', 7)]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toContain('duplicate resource');
  });

  it('tell an empty type from a missing one: every type is present', () => {
    expect([...EMPTY_SNAPSHOT.types.keys()].sort()).toEqual(Object.values(TypeUrl).sort());
    expect(EMPTY_SNAPSHOT.size).toBe(0);
  });
});

describe('diff and apply', () => {
  const v1 = build([cluster('a'), cluster('b'), endpoints('a', '10.0.0.1')]);
  const v2 = build([cluster('a', 9), endpoints('a', '10.0.0.1'), endpoints('c', '10.0.0.3')]);

  it('diff lists exactly the changed, added and removed resources', () => {
    const change = diffSnapshots(v1, v2);
    expect(change.previousVersion).toBe(v1.version);
    expect(change.version).toBe(v2.version);
    expect(change.upserts.map((r) => `${r.typeUrl} ${r.name}`).sort()).toEqual(
      [`${TypeUrl.Cluster} a`, `${TypeUrl.ClusterLoadAssignment} c`].sort(),
    );
    expect(change.removals).toEqual([{ typeUrl: TypeUrl.Cluster, name: 'b' }]);
  });

  it('apply reproduces the target snapshot with the same version', () => {
    const r = applyChange(v1, diffSnapshots(v1, v2));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.version).toBe(v2.version);
      expect(r.value.get(TypeUrl.Cluster, 'b')).toBeUndefined();
      expect(r.value.get(TypeUrl.ClusterLoadAssignment, 'c')?.version).toBe(
        endpoints('c', '10.0.0.3').version,
      );
      // Untouched types are shared, not copied.
      expect(r.value.types.get(TypeUrl.Listener)).toBe(v1.types.get(TypeUrl.Listener));
    }
  });

  it('apply refuses a change made against another snapshot (a gap)', () => {
    const r = applyChange(EMPTY_SNAPSHOT, diffSnapshots(v1, v2));
    expect(r.ok).toBe(false);
  });

  it('apply refuses a change whose contents do not give the announced version', () => {
    const forged = { ...diffSnapshots(v1, v2), version: v1.version };
    expect(applyChange(v1, forged).ok).toBe(false);
  });

  it('a full change replaces everything', () => {
    const r = applyChange(v1, fullChange(v2));
    expect(r.ok && r.value.version).toBe(v2.version);
  });
});

describe('updateSnapshot', () => {
  it('gives the same snapshot as building the result from scratch', () => {
    const base = build([cluster('a'), cluster('b'), endpoints('a', '10.0.0.1')]);
    const r = updateSnapshot(base, {
      upserts: [cluster('a', 9), endpoints('c', '10.0.0.3')],
      removals: [{ typeUrl: TypeUrl.Cluster, name: 'b' }],
    });
    const expected = build([cluster('a', 9), endpoints('a', '10.0.0.1'), endpoints('c', '10.0.0.3')]);
    expect(r.ok && r.value.version).toBe(expected.version);
    expect(r.ok && r.value.size).toBe(3);
  });

  it('ignores removals of names that are not there', () => {
    const base = build([cluster('a')]);
    const r = updateSnapshot(base, { upserts: [], removals: [{ typeUrl: TypeUrl.Cluster, name: 'zzz' }] });
    expect(r.ok && r.value.version).toBe(base.version);
  });
});
