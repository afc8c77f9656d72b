/** One error or warning of a condition (Contour's SubCondition). */
export interface SubConditionVerdict {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** Contour's `Valid` DetailedCondition, without the bookkeeping (generation, transition time). */
export interface ConditionVerdict {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly errors: readonly SubConditionVerdict[];
  readonly warnings: readonly SubConditionVerdict[];
}

/** What the translation concluded about one HTTPProxy: its status as Contour writes it. */
export interface ProxyVerdict {
  readonly currentStatus: 'valid' | 'invalid' | 'orphaned';
  readonly description: string;
  readonly conditions: readonly ConditionVerdict[];
}

/**
 * What the status writer needs of the translation's statuses (`Translation.statuses`), keyed by
 * `namespace/name`; objects absent (another ingress class) are left alone.
 */
export interface StatusVerdicts {
  readonly httpProxies: ReadonlyMap<string, ProxyVerdict>;
  /** Only accepted Ingresses get the load balancer address. */
  readonly ingresses: ReadonlyMap<string, { readonly accepted: boolean }>;
}

/** No verdicts: nothing to write. */
export const NO_VERDICTS: StatusVerdicts = { httpProxies: new Map(), ingresses: new Map() };
