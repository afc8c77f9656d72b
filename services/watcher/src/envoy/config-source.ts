/** Every dynamic reference (RDS, EDS, SDS) goes over the same ADS stream to the edge, in v3. */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;

/** Type URL of a message name, for nested `Any` fields (`typed_config`). */
export function anyType(messageName: string): string {
  return `type.googleapis.com/${messageName}`;
}

/** A Duration of whole seconds. */
export function seconds(n: number): { seconds: number } {
  return { seconds: n };
}
