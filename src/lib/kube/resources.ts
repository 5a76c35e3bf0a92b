/** The Kubernetes resources kubectl-srs touches, with their REST coordinates. */
export interface ResourceType {
  /** Lower-case plural, as RBAC and error messages name it (e.g. "deployments"). */
  plural: string
  /** API group; "" is the core group. */
  group: string
  version: string
  kind: string
  namespaced: boolean
}

const r = (kind: string, plural: string, group: string, version: string, namespaced = true): ResourceType => ({
  kind,
  plural,
  group,
  version,
  namespaced,
})

export const Resources = {
  pods: r('Pod', 'pods', '', 'v1'),
  services: r('Service', 'services', '', 'v1'),
  configmaps: r('ConfigMap', 'configmaps', '', 'v1'),
  secrets: r('Secret', 'secrets', '', 'v1'),
  namespaces: r('Namespace', 'namespaces', '', 'v1', false),
  nodes: r('Node', 'nodes', '', 'v1', false),
  events: r('Event', 'events', '', 'v1'),
  persistentvolumeclaims: r('PersistentVolumeClaim', 'persistentvolumeclaims', '', 'v1'),
  deployments: r('Deployment', 'deployments', 'apps', 'v1'),
  statefulsets: r('StatefulSet', 'statefulsets', 'apps', 'v1'),
  replicasets: r('ReplicaSet', 'replicasets', 'apps', 'v1'),
  controllerrevisions: r('ControllerRevision', 'controllerrevisions', 'apps', 'v1'),
  cronjobs: r('CronJob', 'cronjobs', 'batch', 'v1'),
  jobs: r('Job', 'jobs', 'batch', 'v1'),
  horizontalpodautoscalers: r('HorizontalPodAutoscaler', 'horizontalpodautoscalers', 'autoscaling', 'v2'),
  networkpolicies: r('NetworkPolicy', 'networkpolicies', 'networking.k8s.io', 'v1'),
  endpointslices: r('EndpointSlice', 'endpointslices', 'discovery.k8s.io', 'v1'),
} as const satisfies Record<string, ResourceType>

/** "deployments.apps", the name RBAC messages and kubectl use. */
export function qualifiedName(res: ResourceType): string {
  return res.group ? `${res.plural}.${res.group}` : res.plural
}

export function resourcePath(res: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`
  const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  const n = name ? `/${encodeURIComponent(name)}` : ''
  const sub = name && subresource ? `/${subresource}` : ''
  return `${base}${ns}/${res.plural}${n}${sub}`
}
