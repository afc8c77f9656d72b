import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { statusCode } from '../kube-source/list-pages.js';

/** What a Lease says about its holder (the `spec` of a coordination.k8s.io/v1 Lease). */
export interface LeaseRecord {
  /** '' when nobody holds it (released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  readonly leaseTransitions: number;
}

/** A record as stored, with the resourceVersion that the next write must name. */
export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** Thrown when a write lost a race: the Lease changed (or appeared) since it was read. */
export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

/** Optimistic reads and writes of one Lease. */
export interface LeaseStore {
  /** `namespace/name`, for logs. */
  readonly description: string;
  /** The Lease, or undefined when it does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** Creates the Lease; LeaseConflictError if it exists. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Replaces the Lease if it is still at `resourceVersion`; LeaseConflictError otherwise. */
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** A Lease in the Kubernetes API (`coordination.k8s.io/v1`). */
export function createKubeLeaseStore(options: {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
}): LeaseStore {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name } = options;
  const body = (record: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
      ...(record.acquireTime === undefined ? {} : { acquireTime: microTime(record.acquireTime) }),
      ...(record.renewTime === undefined ? {} : { renewTime: microTime(record.renewTime) }),
    },
  });
  const conflicts = async (write: Promise<V1Lease>): Promise<StoredLease> => {
    try {
      return fromLease(await write);
    } catch (err) {
      if (statusCode(err) === 409) throw new LeaseConflictError(`lease ${namespace}/${name} changed`);
      throw err;
    }
  };
  return {
    description: `${namespace}/${name}`,
    async get() {
      try {
        return fromLease(await api.readNamespacedLease({ namespace, name }));
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    create: (record) => conflicts(api.createNamespacedLease({ namespace, body: body(record) })),
    update: (record, resourceVersion) =>
      conflicts(api.replaceNamespacedLease({ namespace, name, body: body(record, resourceVersion) })),
  };
}

function microTime(date: Date): V1MicroTime {
  return new V1MicroTime(date.getTime());
}

function fromLease(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      leaseTransitions: spec.leaseTransitions ?? 0,
      ...optionalDate('acquireTime', spec.acquireTime),
      ...optionalDate('renewTime', spec.renewTime),
    },
  };
}

/** client-node hands MicroTimes back as strings or Dates depending on the call; either way, a Date. */
function optionalDate<K extends string>(key: K, value: unknown): { [P in K]?: Date } {
  if (value === undefined || value === null) return {};
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined) return {};
  return Number.isNaN(date.getTime()) ? {} : ({ [key]: date } as { [P in K]?: Date });
}
