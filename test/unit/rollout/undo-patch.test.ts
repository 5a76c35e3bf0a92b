import {describe, expect, test} from '@jest/globals'
import type {Deployment} from '../../../src/lib/kube/types.js'
import {undoDeploymentPatch} from '../../../src/lib/rollout/patches.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION} from '../../../src/lib/vocabulary.js'

const template = {metadata: {labels: {app: 'srs-edge', 'pod-template-hash': '59799f6876'}}, spec: {containers: [{name: 'srs', image: 'ossrs/srs:v4.0.271'}]}}

describe('undoDeploymentPatch', () => {
  test("a revision made while a canary ran does not bring the canary's annotations back (measured: after promote then rollback, reload refused the edges for a canary deleted by promote)", () => {
    const d = {metadata: {name: 'srs-edge-deploy', annotations: {[KUBE_ANNOTATION.revision]: '3', 'team.example/owner': 'live'}}, spec: {replicas: 4, template}} as unknown as Deployment
    const rs = {
      metadata: {
        annotations: {
          [KUBE_ANNOTATION.revision]: '1',
          [KUBE_ANNOTATION.changeCause]: 'kubectl srs canary',
          [ROLLOUT_ANNOTATION.canary]: 'srs-edge-deploy-canary',
          [ROLLOUT_ANNOTATION.totalReplicas]: '4',
          [ROLLOUT_ANNOTATION.stableImage]: 'ossrs/srs:v4.0.271',
          'team.example/owner': 'live',
        },
      },
      spec: {template},
    }
    const write = undoDeploymentPatch(d, rs)
    const annotations = ((write as {body: unknown}).body as {path: string; value: unknown}[]).find((op) => op.path === '/metadata/annotations')!.value
    expect(annotations).toEqual({[KUBE_ANNOTATION.revision]: '3', [KUBE_ANNOTATION.changeCause]: 'kubectl srs canary', 'team.example/owner': 'live'})
  })
})
