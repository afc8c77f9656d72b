// Validates built-in Kubernetes objects against the Kubernetes OpenAPI schemas: kubernetes-models checks types,
// formats, enums and required fields; its schemas accept unknown fields, so a second pass walks the object with
// @kubernetes/client-node's generated type maps and reports every field the API does not define, as
// `kubectl apply` (strict field validation, its default) would.
import * as kubeClient from '@kubernetes/client-node';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { isObject, type KubeObject } from './manifests.js';

interface Validatable {
  validate(): void;
}

interface KindSchema {
  /** The kubernetes-models class of the kind. */
  readonly model: new (data: never) => Validatable;
  /** The @kubernetes/client-node model that lists the kind's fields. */
  readonly fields: string;
}

/** Every built-in kind the install and the examples use, by `apiVersion/kind`. */
const KINDS: Readonly<Record<string, KindSchema>> = {
  'v1/Namespace': { model: Namespace, fields: 'V1Namespace' },
  'v1/ServiceAccount': { model: ServiceAccount, fields: 'V1ServiceAccount' },
  'v1/ConfigMap': { model: ConfigMap, fields: 'V1ConfigMap' },
  'v1/Secret': { model: Secret, fields: 'V1Secret' },
  'v1/Service': { model: Service, fields: 'V1Service' },
  'apps/v1/Deployment': { model: Deployment, fields: 'V1Deployment' },
  'apps/v1/DaemonSet': { model: DaemonSet, fields: 'V1DaemonSet' },
  'apps/v1/StatefulSet': { model: StatefulSet, fields: 'V1StatefulSet' },
  'batch/v1/Job': { model: Job, fields: 'V1Job' },
  'batch/v1/CronJob': { model: CronJob, fields: 'V1CronJob' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, fields: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, fields: 'V1RoleBinding' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, fields: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: ClusterRoleBinding,
    fields: 'V1ClusterRoleBinding',
  },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, fields: 'V1PodDisruptionBudget' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    fields: 'V2HorizontalPodAutoscaler',
  },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, fields: 'V1NetworkPolicy' },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    model: CustomResourceDefinition,
    fields: 'V1CustomResourceDefinition',
  },
};

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}

type ModelClass = { getAttributeTypeMap?: () => readonly Attribute[] };

function attributes(model: string): readonly Attribute[] | undefined {
  const cls = (kubeClient as unknown as Record<string, ModelClass | undefined>)[model];
  return cls?.getAttributeTypeMap?.();
}

/** JSONSchemaProps types `items` and `additionalProperties` as `any`; they hold schemas too (or a boolean). */
const SCHEMA_VALUED = new Set(['items', 'additionalProperties', 'additionalItems']);

function unknownFields(value: unknown, type: string, path: string, problems: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1] !== undefined) {
    const itemType = array[1];
    if (Array.isArray(value))
      value.forEach((item, i) => unknownFields(item, itemType, `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1] !== undefined) {
    const valueType = map[1];
    if (isObject(value))
      for (const [k, v] of Object.entries(value)) unknownFields(v, valueType, `${path}.${k}`, problems);
    return;
  }
  const fields = attributes(type);
  if (fields === undefined || !isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const field = fields.find((f) => f.baseName === key);
    if (field === undefined) problems.push(`${path}.${key}: unknown field`);
    else if (type === 'V1JSONSchemaProps' && SCHEMA_VALUED.has(key))
      unknownFields(child, type, `${path}.${key}`, problems);
    else unknownFields(child, field.type, `${path}.${key}`, problems);
  }
}

/** Whether the validator knows the schema of `o`'s kind. */
export function isKnownKind(o: KubeObject): boolean {
  return KINDS[`${o.apiVersion}/${o.kind}`] !== undefined;
}

/** The schema problems of a built-in object; empty when it is valid. */
export function builtinProblems(o: KubeObject): string[] {
  const schema = KINDS[`${o.apiVersion}/${o.kind}`];
  if (schema === undefined) return [`no schema for ${o.apiVersion} ${o.kind}`];
  const problems: string[] = [];
  try {
    new schema.model(o as never).validate();
  } catch (err) {
    problems.push((err as Error).message);
  }
  unknownFields(o, schema.fields, '', problems);
  return problems;
}
