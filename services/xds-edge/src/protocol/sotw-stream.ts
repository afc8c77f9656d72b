import type { TypeUrl } from '@sesame/shared';
import type { ViewName } from '../cache/views.js';
import type { DiscoveryRequest } from './codec.js';
import { SotwTypeState, type PendingResponse } from './sotw-type-state.js';
import { XdsStream } from './xds-stream.js';

export {
  resolveTypeUrl,
  type HandledRequest,
  type RequestOutcome,
  type XdsStreamOptions as SotwStreamOptions,
} from './xds-stream.js';

/** One state-of-the-world stream (ADS or per-type). */
export class SotwStream extends XdsStream<DiscoveryRequest, PendingResponse> {
  protected createTypeState(typeUrl: TypeUrl, view: ViewName, nextNonce: () => string): SotwTypeState {
    return new SotwTypeState(this.options.cache, view, typeUrl, nextNonce, this);
  }

  /** Encoded name lists this stream's client sent last, one per type: its ACKs repeat them byte for byte. */
  knownNameEncodings(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const state of this.types.values()) {
      const raw = state instanceof SotwTypeState ? state.nameEncoding() : undefined;
      if (raw !== undefined) out.push(raw);
    }
    return out;
  }

  /** The version the client last accepted for a type ('' if none). */
  acceptedVersion(typeUrl: TypeUrl): string {
    const state = this.types.get(typeUrl);
    return state instanceof SotwTypeState ? state.acceptedVersion : '';
  }
}
