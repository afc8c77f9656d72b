// A Kubernetes API server test fixture: list/watch, status subresources, optimistic concurrency and Leases as the
// real server does them, for tests that drive the real @kubernetes/client-node. Test-only: nothing under
// services/ or shared/ may import it.
export { createKubeApiServer } from './kube-api-server.js';
export type { KubeApiServer, KubeApiServerOptions } from './kube-api-server.js';
export type { ObjectControls, ObjectRef } from './test-controls.js';
export type { RequestGate, RequestInfo, RequestMatch, RequestRecord, Verb } from './request-control.js';
export { BUILTIN_RESOURCES, apiVersionOf } from './resources.js';
export type { JsonObject, ResourceDef } from './resources.js';
export { KubeApiError } from './status.js';
export type { KubeStatus, StatusReason, StatusSpec } from './status.js';
export { kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export { parseFieldSelector, parseLabelSelector } from './selectors.js';
export type { Matcher } from './selectors.js';
export { waitForCondition, waitUntil } from './wait.js';
export type { WaitOptions } from './wait.js';
export { recordInformer } from './informer-recorder.js';
export type { InformerEvent, InformerRecorder, RecordOptions } from './informer-recorder.js';
