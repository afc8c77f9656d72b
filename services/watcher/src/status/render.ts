import { canonicalJson } from '../util/order.js';
import type { LoadBalancerIngress } from './load-balancer.js';
import type { ConditionVerdict, StatusVerdicts } from './verdicts.js';

/** Kinds whose status Sesame writes. */
export type StatusKind = 'HTTPProxy' | 'Ingress';

/** The status one object should have, before the bookkeeping that depends on its current state. */
export interface DesiredStatus {
  readonly kind: StatusKind;
  readonly namespace: string;
  readonly name: string;
  /** Without `observedGeneration` and `lastTransitionTime`: those are added when it is written. */
  readonly status: Readonly<Record<string, unknown>>;
}

/** The parts of a cached object a status write depends on. */
export interface CurrentState {
  readonly resourceVersion: string;
  readonly generation?: number;
  readonly status?: unknown;
}

/** `Kind namespace/name`. */
export function statusKey(kind: StatusKind, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/**
 * Every status to write, by `statusKey`: each HTTPProxy's verdict (with the load balancer address, as
 * Contour adds it), and the load balancer address on each accepted Ingress. While the address is unknown
 * (`loadBalancer` undefined) Ingress status is left as it is.
 */
export function desiredStatuses(
  verdicts: StatusVerdicts,
  loadBalancer: readonly LoadBalancerIngress[] | undefined,
): Map<string, DesiredStatus> {
  const out = new Map<string, DesiredStatus>();
  const add = (key: string): void => {
    const desired = desiredStatus(key, verdicts, loadBalancer);
    if (desired !== undefined) out.set(key, desired);
  };
  for (const nsName of verdicts.httpProxies.keys()) add(`HTTPProxy ${nsName}`);
  for (const nsName of verdicts.ingresses.keys()) add(`Ingress ${nsName}`);
  return out;
}

/** The status one object (`Kind namespace/name`) should have, or undefined when Sesame leaves it alone. */
export function desiredStatus(
  key: string,
  verdicts: StatusVerdicts,
  loadBalancer: readonly LoadBalancerIngress[] | undefined,
): DesiredStatus | undefined {
  const space = key.indexOf(' ');
  const kind = key.slice(0, space);
  const nsName = key.slice(space + 1);
  const slash = nsName.indexOf('/');
  const namespace = nsName.slice(0, slash);
  const name = nsName.slice(slash + 1);
  const lb = loadBalancer === undefined || loadBalancer.length === 0 ? {} : { ingress: loadBalancer };
  if (kind === 'HTTPProxy') {
    const verdict = verdicts.httpProxies.get(nsName);
    if (verdict === undefined) return undefined;
    const status = {
      currentStatus: verdict.currentStatus,
      description: verdict.description,
      loadBalancer: lb,
      conditions: verdict.conditions.map(conditionBody),
    };
    return { kind: 'HTTPProxy', namespace, name, status };
  }
  if (kind === 'Ingress') {
    if (loadBalancer === undefined || verdicts.ingresses.get(nsName)?.accepted !== true) return undefined;
    return { kind: 'Ingress', namespace, name, status: { loadBalancer: lb } };
  }
  return undefined;
}

function conditionBody(c: ConditionVerdict): Record<string, unknown> {
  return {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    ...(c.errors.length === 0 ? {} : { errors: c.errors.map((e) => ({ ...e, status: 'True' })) }),
    ...(c.warnings.length === 0 ? {} : { warnings: c.warnings.map((w) => ({ ...w, status: 'True' })) }),
  };
}

/**
 * The status to send: the desired one with each condition's `observedGeneration` set to the object's
 * generation and `lastTransitionTime` kept from the current condition unless its status flipped.
 */
export function renderStatus(
  desired: DesiredStatus,
  current: CurrentState,
  now: number,
): Record<string, unknown> {
  const conditions = desired.status['conditions'];
  if (!Array.isArray(conditions)) return { ...desired.status };
  const existing = currentConditions(current.status);
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    ...desired.status,
    conditions: conditions.map((c: Record<string, unknown>) => {
      const before = existing.find((e) => e['type'] === c['type']);
      const since = before?.['status'] === c['status'] ? before?.['lastTransitionTime'] : undefined;
      return {
        ...c,
        ...(current.generation === undefined ? {} : { observedGeneration: current.generation }),
        lastTransitionTime: typeof since === 'string' ? since : stamp,
      };
    }),
  };
}

/** True when `current` already says what `rendered` says (transition times aside). */
export function sameStatus(current: unknown, rendered: Readonly<Record<string, unknown>>): boolean {
  return comparable(current) === comparable(rendered);
}

function comparable(status: unknown): string {
  if (typeof status !== 'object' || status === null) return canonicalJson({});
  const s = status as Record<string, unknown>;
  const conditions = Array.isArray(s['conditions'])
    ? (s['conditions'] as Record<string, unknown>[]).map(({ lastTransitionTime: _t, ...rest }) => rest)
    : s['conditions'];
  return canonicalJson({ ...s, conditions });
}

function currentConditions(status: unknown): Record<string, unknown>[] {
  if (typeof status !== 'object' || status === null) return [];
  const conditions = (status as Record<string, unknown>)['conditions'];
  return Array.isArray(conditions) ? (conditions as Record<string, unknown>[]) : [];
}
