// A small kustomize tree that exercises every feature of the renderer: nested components, strategic-merge list
// ordering, `$patch: delete`, JSON 6902 with a regular-expression target, namespace with RoleBinding subjects,
// labels and images with a registry port. kustomize.test.ts states what it renders to; kustomize-kubectl.test.ts
// checks that `kubectl kustomize` renders it the same way.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.local:5000/team/web:1.0
          env: [{name: A, value: '1'}, {name: B, value: '2'}]
          envFrom: [{configMapRef: {name: cfg}}]
      initContainers:
        - {name: init, image: registry.local:5000/team/web}
`;

const FILES: Readonly<Record<string, string>> = {
  'base/kustomization.yaml': 'resources: [web.yaml, rbac.yaml]\n',
  'base/web.yaml': DEPLOYMENT,
  'base/rbac.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: web}
subjects:
  - {kind: ServiceAccount, name: web}
  - {kind: ServiceAccount, name: web, namespace: pinned}
  - {kind: ServiceAccount, name: stranger}
---
apiVersion: v1
kind: Namespace
metadata: {name: placeholder}
`,
  'comp/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
components: [../nested]
patches:
  - path: env.yaml
  - target: {kind: Deployment, name: w.b}
    patch: |
      - {op: add, path: /spec/replicas, value: 3}
`,
  'comp/env.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          env: [{name: B, value: patched}, {name: C, value: '3'}]
          envFrom: [{secretRef: {name: sec}}]
`,
  'nested/kustomization.yaml': `kind: Component
resources: [extra.yaml]
patches:
  - patch: |
      $patch: delete
      apiVersion: v1
      kind: Namespace
      metadata: {name: placeholder}
`,
  'nested/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {k: v}\n',
  'top/kustomization.yaml': `namespace: prod
labels:
  - pairs: {team: a}
resources: [../base]
components: [../comp]
images:
  - {name: registry.local:5000/team/web, newName: mirror.local/web, newTag: '2.0'}
`,
  'odd/kustomization.yaml': 'resources: []\nreplicas: [{name: web, count: 2}]\n',
  'dup/kustomization.yaml': 'resources: [../base, ../base/web.yaml]\n',
};

/** The directories of the fixture that render: `top` uses everything, `base` is a plain resource list. */
export const FIXTURE_ROOTS = ['top', 'base'] as const;

/** Writes the fixture under `root`; `odd` and `dup` are kustomizations the renderer must refuse. */
export async function writeKustomizeFixture(root: string): Promise<void> {
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}
