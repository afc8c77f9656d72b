// Messages between a fleet process and its parent (JSON over the IPC channel of `fork`).
import type { FleetOptions } from './fleet.js';
import type { ArmSpec } from './envoy-state.js';

/** A request to the fleet process; `id` pairs it with its reply. */
export type FleetRequest = { readonly id: number } & (
  | { readonly op: 'create'; readonly options: FleetOptions }
  | { readonly op: 'start' }
  | { readonly op: 'summary' }
  | { readonly op: 'states' }
  | { readonly op: 'arm'; readonly spec: ArmSpec; readonly timeoutMs: number }
  | { readonly op: 'set-servers'; readonly servers: readonly string[] }
  | { readonly op: 'disconnect'; readonly count: number }
  | { readonly op: 'memory'; readonly reset: boolean }
  | { readonly op: 'close' }
);

/** A reply: the outcome of a request, or (for `arm`) the final result that follows it. */
export type FleetReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly id: number; readonly final: unknown };
