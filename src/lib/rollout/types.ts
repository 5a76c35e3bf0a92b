import type {Container, ObjectMeta, PodTemplate} from '../kube/types.js'

export type {Deployment} from '../kube/types.js'

export interface ReplicaSet {
  metadata: ObjectMeta
  spec: {replicas?: number; template: PodTemplate}
}

/** A StatefulSet's ControllerRevision: data is the strategic-merge patch of its template. */
export interface ControllerRevisionList {
  items: {
    metadata: ObjectMeta
    revision: number
    data: {spec?: {template?: {spec?: {containers?: Container[]}}}} & object
  }[]
}
