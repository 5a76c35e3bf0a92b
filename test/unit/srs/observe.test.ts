import {describe, expect, test} from '@jest/globals'
import {denials} from '../../../src/lib/srs/observe.js'

describe('denials: what status -A says it could not list', () => {
  test('one entry per identity, verb and resource; cluster-scope refusals apart from namespaced ones, namespaces sorted and once each', () => {
    const u = 'system:serviceaccount:live:viewer'
    expect(
      denials([
        {user: u, verb: 'list', resource: 'pods'},
        {user: u, verb: 'list', resource: 'namespaces'},
        {user: u, verb: 'list', resource: 'pods', namespace: 'vod'},
        {user: u, verb: 'list', resource: 'pods', namespace: 'b-ns'},
        {user: u, verb: 'list', resource: 'pods', namespace: 'vod'},
        {user: 'alice', verb: 'list', resource: 'pods', namespace: 'vod'},
      ]),
    ).toEqual([
      {user: u, verb: 'list', resource: 'pods', namespaces: null},
      {user: u, verb: 'list', resource: 'namespaces', namespaces: null},
      {user: u, verb: 'list', resource: 'pods', namespaces: ['b-ns', 'vod']},
      {user: 'alice', verb: 'list', resource: 'pods', namespaces: ['vod']},
    ])
  })

  test('nothing refused: nothing to say', () => {
    expect(denials([])).toEqual([])
  })
})
