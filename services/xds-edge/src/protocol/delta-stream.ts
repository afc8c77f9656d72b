import type { TypeUrl } from '@sesame/shared';
import type { ViewName } from '../cache/views.js';
import type { DeltaDiscoveryRequest } from './delta-codec.js';
import { DeltaTypeState, type PendingDeltaResponse } from './delta-type-state.js';
import { XdsStream } from './xds-stream.js';

/** One incremental (delta) stream, ADS or per-type. */
export class DeltaStream extends XdsStream<DeltaDiscoveryRequest, PendingDeltaResponse> {
  protected createTypeState(typeUrl: TypeUrl, view: ViewName, nextNonce: () => string): DeltaTypeState {
    return new DeltaTypeState(this.options.cache, view, typeUrl, nextNonce, this);
  }
}
