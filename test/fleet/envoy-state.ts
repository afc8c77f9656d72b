// What a simulated Envoy records and reports (see simulated-envoy.ts): plain, serializable data, so a fleet in
// a child process can hand it to its parent as is.
import type { TYPE_SHORT_NAMES, TypeUrl } from '@sesame/shared';

/** lds, rds, cds, eds, sds. */
export type ShortType = (typeof TYPE_SHORT_NAMES)[TypeUrl];

/** What one Envoy knows of one type. */
export interface TypeRecord {
  /** version_info of the last response ACKed ('' before any). */
  accepted: string;
  received: number;
  acked: number;
  nacked: number;
  /** Resources in the last response. */
  lastCount: number;
  /** Fewest resources in any LDS/CDS response after the first (a full-state type that lost content shows here). */
  minCount: number | undefined;
  /** Names subscribed (EDS, RDS, SDS); wildcard types have none. */
  names: number;
}

/** What one Envoy knows of one marker. */
export interface MarkerRecord {
  /** Value of the last response carrying it. */
  received: number | undefined;
  /** Value of the last response carrying it that was ACKed. */
  acked: number | undefined;
  /** Highest value ever ACKed. */
  maxAcked: number | undefined;
}

/** One received response, when histories are kept. */
export interface HistoryEntry {
  readonly at: number;
  readonly type: ShortType;
  readonly version: string;
  readonly digest: string;
  readonly resources: number;
  readonly acked: boolean;
  readonly markers: Readonly<Record<string, number>>;
}

/** A serializable picture of one Envoy. */
export interface EnvoyState {
  readonly id: string;
  /** The edge of the current (or last) stream. */
  readonly server: string | undefined;
  readonly connected: boolean;
  /** Holds its first complete configuration (everything derived was received at least once). */
  readonly initialized: boolean;
  /** Streams opened, reconnections included. */
  readonly streams: number;
  /** Streams that ended with an error. */
  readonly failures: number;
  readonly lastError: string | undefined;
  readonly bytes: number;
  readonly types: Readonly<Partial<Record<ShortType, TypeRecord>>>;
  readonly markers: Readonly<Record<string, MarkerRecord>>;
  /** Every time a marker value older than one already ACKed was sent. */
  readonly violations: readonly string[];
  readonly history?: readonly HistoryEntry[];
}

/** A change the fleet is timing: the first ACKed response of `typeUrl` carrying a matching resource. */
export interface ArmSpec {
  readonly typeUrl: string;
  /** Exact resource name. */
  readonly name?: string;
  /** Or a name prefix (an SDS secret's name ends in a content hash). */
  readonly prefix?: string;
}
