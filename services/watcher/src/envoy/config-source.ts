import { encodeOnce, type EncodedMessage } from '@sesame/shared';

/** Every dynamic reference (RDS, EDS, SDS) goes over the same ADS stream to the edge, in v3. */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;

/**
 * A part of many resources that never changes, checked and encoded on first use only (not at import: that
 * would load Envoy's protos), then written as bytes wherever it is set (see `EncodedMessage`).
 */
export function encodedConstant(typeName: string, json: Record<string, unknown>): () => EncodedMessage {
  let encoded: EncodedMessage | undefined;
  return () => (encoded ??= encodeOnce(typeName, json));
}

/** `ADS_CONFIG_SOURCE`, encoded once: every cluster, RDS reference and SDS reference carries it. */
export const adsConfigSource = encodedConstant('envoy.config.core.v3.ConfigSource', ADS_CONFIG_SOURCE);

/** Type URL of a message name, for nested `Any` fields (`typed_config`). */
export function anyType(messageName: string): string {
  return `type.googleapis.com/${messageName}`;
}

/** A Duration of whole seconds. */
export function seconds(n: number): { seconds: number } {
  return { seconds: n };
}
