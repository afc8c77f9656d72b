// Checks that a set of Envoy resources is self-consistent, as Envoy and gRPC clients need it to be: every
// route configuration, cluster, endpoint set and secret that something references exists in each view.
export { danglingReferences } from '@sesame/watcher';
