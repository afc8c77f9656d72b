// The test-facing side of every HTTP request: a log to count them by verb and resource ("no status write when
// unchanged"), and faults to inject (fail the next N, slow some down, hold some until the test releases them).
import type { KubeStatus, StatusSpec } from './status.js';
import { failure } from './status.js';
import { waitForCondition, type WaitOptions } from './wait.js';

/** The Kubernetes verbs the fixture serves. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** A request as authorization would see it: `resource` carries the subresource, e.g. `ingresses/status`. */
export interface RequestInfo {
  readonly verb: Verb;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A finished request and the HTTP code it got. */
export interface RequestRecord extends RequestInfo {
  readonly code: number;
}

/** Selects requests; every given field must match, a missing one matches anything. */
export interface RequestMatch {
  readonly verb?: Verb | readonly Verb[];
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Requests held back until the test releases them. */
export interface RequestGate {
  /** How many requests are waiting at the gate now. */
  readonly held: number;
  /** Resolves once at least `count` requests are waiting. */
  waitForHeld(count?: number, options?: WaitOptions): Promise<void>;
  /** Lets every held request (and all later ones) through. */
  release(): void;
}

/** Request log and fault injection. */
export interface RequestControl {
  readonly records: readonly RequestRecord[];
  count(match?: RequestMatch): number;
  waitForRequest(match: RequestMatch, options?: WaitOptions & { readonly count?: number }): Promise<void>;
  failNext(count: number, status: StatusSpec, match?: RequestMatch): void;
  delay(match: RequestMatch, ms: number): { clear(): void };
  hold(match: RequestMatch): RequestGate;
  clearFaults(): void;
  resetRecords(): void;
  /** Applies the faults to an incoming request: waits out delays and gates, then maybe answers for it. */
  admit(info: RequestInfo): Promise<KubeStatus | undefined>;
  record(record: RequestRecord): void;
}

/** True when `info` is selected by `match`. */
export function matchesRequest(match: RequestMatch, info: RequestInfo): boolean {
  const verbs =
    match.verb === undefined ? undefined : typeof match.verb === 'string' ? [match.verb] : match.verb;
  return (
    (verbs === undefined || verbs.includes(info.verb)) &&
    (match.resource === undefined || match.resource === info.resource) &&
    (match.namespace === undefined || match.namespace === info.namespace) &&
    (match.name === undefined || match.name === info.name)
  );
}

interface Failure {
  remaining: number;
  readonly status: KubeStatus;
  readonly match: RequestMatch;
}

interface Gate {
  readonly match: RequestMatch;
  readonly waiting: (() => void)[];
  readonly changed: Set<() => void>;
}

/** Creates an empty log with no faults. */
export function createRequestControl(): RequestControl {
  let records: RequestRecord[] = [];
  const recordListeners = new Set<() => void>();
  const failures: Failure[] = [];
  const delays = new Set<{ match: RequestMatch; ms: number }>();
  const gates = new Set<Gate>();

  const releaseGate = (gate: Gate): void => {
    gates.delete(gate);
    for (const resume of gate.waiting.splice(0)) resume();
  };

  return {
    get records() {
      return records;
    },
    count: (match = {}) => records.reduce((n, record) => (matchesRequest(match, record) ? n + 1 : n), 0),
    waitForRequest(match, options = {}) {
      const count = options.count ?? 1;
      return waitForCondition(
        () => records.reduce((n, record) => (matchesRequest(match, record) ? n + 1 : n), 0) >= count,
        (notify) => {
          recordListeners.add(notify);
          return () => recordListeners.delete(notify);
        },
        { what: `${count} request(s) matching ${JSON.stringify(match)}`, ...options },
      );
    },
    failNext(count, spec, match = {}) {
      failures.push({ remaining: count, status: failure(spec), match });
    },
    delay(match, ms) {
      const entry = { match, ms };
      delays.add(entry);
      return { clear: () => delays.delete(entry) };
    },
    hold(match) {
      const gate: Gate = { match, waiting: [], changed: new Set() };
      gates.add(gate);
      return {
        get held() {
          return gate.waiting.length;
        },
        waitForHeld: (count = 1, options = {}) =>
          waitForCondition(
            () => gate.waiting.length >= count,
            (notify) => {
              gate.changed.add(notify);
              return () => gate.changed.delete(notify);
            },
            { what: `${count} held request(s) matching ${JSON.stringify(match)}`, ...options },
          ),
        release: () => releaseGate(gate),
      };
    },
    clearFaults() {
      failures.length = 0;
      delays.clear();
      for (const gate of [...gates]) releaseGate(gate);
    },
    resetRecords() {
      records = [];
    },
    async admit(info) {
      for (const gate of gates) {
        if (!matchesRequest(gate.match, info)) continue;
        await new Promise<void>((resume) => {
          gate.waiting.push(resume);
          for (const notify of [...gate.changed]) notify();
        });
      }
      for (const entry of delays) {
        if (matchesRequest(entry.match, info)) await new Promise((resume) => setTimeout(resume, entry.ms));
      }
      const index = failures.findIndex((f) => matchesRequest(f.match, info));
      const fault = failures[index];
      if (fault === undefined) return undefined;
      fault.remaining -= 1;
      if (fault.remaining <= 0) failures.splice(index, 1);
      return fault.status;
    },
    record(record) {
      records.push(record);
      for (const notify of [...recordListeners]) notify();
    },
  };
}
