import {describe, expect, test} from '@jest/globals'
import {textTools} from '../../../src/lib/cli/text.js'
import type {ReloadResult} from '../../../src/lib/reload/result.js'
import {renderReload} from '../../../src/lib/view/reload-view.js'

const result: ReloadResult = {
  kind: 'SrsReload',
  namespace: 'live',
  outcome: 'done',
  dryRun: false,
  workloads: [{kind: 'Deployment', name: 'srs-edge-deploy', configMap: 'srs-edge-config', method: 'restart'}],
  plan: [],
  publishers: [],
  pods: [
    {pod: 'edge-a', workload: 'srs-edge-deploy', outcome: 'restarted', reason: 'replaced by edge-c', viewers: 0, drained: true},
    {pod: 'edge-b', workload: 'srs-edge-deploy', outcome: 'pending', reason: 'SRS API did not answer'},
  ],
  readyPods: [],
  warnings: [],
}

describe('renderReload', () => {
  test("the per-pod count is the viewers (SRS's clients list), labelled so, - when unknown", () => {
    const lines = renderReload(result, textTools(false)).split('\n')
    const header = lines.find((l) => l.startsWith('POD'))!
    expect(header.split(/\s+/).slice(0, 4)).toEqual(['POD', 'WORKLOAD', 'OUTCOME', 'VIEWERS'])
    expect(
      lines
        .find((l) => l.startsWith('edge-a'))!
        .split(/\s+/)
        .slice(0, 4),
    ).toEqual(['edge-a', 'srs-edge-deploy', 'restarted', '0'])
    expect(
      lines
        .find((l) => l.startsWith('edge-b'))!
        .split(/\s+/)
        .slice(0, 4),
    ).toEqual(['edge-b', 'srs-edge-deploy', 'pending', '-'])
  })
})
