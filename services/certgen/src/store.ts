import type { FoundPair } from './inspect.js';
import type { CertificatePair } from './issue.js';

/** The objects certgen manages, one outcome line each. */
export type CertificateObject = 'ca' | 'edge' | 'envoy';

/** The two leaves: the edge server certificate and the Envoy client certificate. */
export type LeafObject = 'edge' | 'envoy';

/** The CA a rotation moves away from: trusted until retired; its key is kept only to cross-sign. */
export interface PreviousCa {
  readonly certPem: string;
  readonly keyPem: string | undefined;
}

/** The CAs in play: `current` signs every leaf; `previous` is present only while a rotation is under way. */
export interface CaState {
  readonly current: CertificatePair;
  readonly previous?: PreviousCa;
}

/** The CA as found in a store; `previous` is there when its certificate is. */
export interface FoundCa {
  readonly current: FoundPair;
  readonly previous: PreviousCa | undefined;
}

/** A leaf as found in a store: its trust bundle (`ca.crt`), its certificate chain and its key. */
export interface FoundLeaf extends FoundPair {
  readonly caPem: string | undefined;
}

/** What a leaf's store holds once written. */
export interface LeafMaterial {
  /** The trust bundle: the current CA, then the previous one during a rotation. */
  readonly caPem: string;
  /** The leaf certificate, followed by the cross-signed current CA during a rotation. */
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Where certgen keeps its objects: a directory (`--out-dir`) or three Secrets (`--kube`). Reads report what is
 * there without judging it; each write takes what the read found, so it can change only what differs and
 * order its steps so that a crash leaves a state the next run recognizes.
 */
export interface CertificateStore {
  /** Where an object lives, for the report: a directory or `secret NS/NAME`. */
  location(object: CertificateObject): string;
  readCa(): Promise<FoundCa>;
  readLeaf(object: LeafObject): Promise<FoundLeaf>;
  writeCa(next: CaState, found: FoundCa): Promise<void>;
  writeLeaf(object: LeafObject, next: LeafMaterial, found: FoundLeaf): Promise<void>;
}
