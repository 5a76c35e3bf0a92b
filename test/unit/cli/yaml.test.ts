/** YAML output: no anchors or aliases, multi-line strings as literal blocks (issue 17, item 2). */
import {describe, expect, test} from '@jest/globals'
import {parse, parseAllDocuments} from 'yaml'
import {toYaml, toYamlStream} from '../../../src/lib/cli/yaml.js'
import {buildCronJob} from '../../../src/lib/cleanup/manifest.js'
import {objectsAsYaml} from '../../../src/lib/origin/cli.js'
import type {OriginChangeResult} from '../../../src/lib/origin/result.js'

const ANCHOR_OR_ALIAS = /(^|[\s[{,])[&*][A-Za-z0-9_-]+/m

/** A Deployment as the plugin builds them: one labels object in metadata, selector and template. */
function deployment(name: string) {
  const labels = {app: name}
  return {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, labels}, spec: {selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {containers: [{name: 'srs', image: 'ossrs/srs:6'}]}}}}
}

describe('toYaml', () => {
  test('a labels object used three times is written out three times, never as &anchor / *alias', () => {
    const text = toYaml(deployment('srs-edge-deploy'))
    expect(text).not.toMatch(ANCHOR_OR_ALIAS)
    expect(text.match(/app: srs-edge-deploy/g)).toHaveLength(3)
    expect(parse(text)).toEqual(deployment('srs-edge-deploy'))
  })

  test('a multi-line string is a literal block (|), however long its lines, and reads back the same', () => {
    const script = `set -eu\nfind "$1" -xdev -type f ${'-name x '.repeat(30)}-print\necho done\n`
    const text = toYaml({args: [script]})
    expect(text).toMatch(/- \|\n/)
    expect(text).not.toMatch(/>-?\n/)
    expect(parse(text)).toEqual({args: [script]})
  })

  test('a stream separates documents with ---', () => {
    const docs = parseAllDocuments(toYamlStream([deployment('a'), deployment('b')]))
    expect(docs.map((d) => d.toJS())).toEqual([deployment('a'), deployment('b')])
  })
})

describe('the printed objects use it', () => {
  test('cleanup --dry-run: the CronJob (labels shared by job and pod template, the shell script) has no aliases and a literal script', () => {
    const cron = buildCronJob({claim: 'pvc-nas', mountPath: '/data', path: '/data/hls'}, {namespace: 'live', schedule: '15 1 * * *', olderThanMinutes: 4320, image: 'busybox:1.36'})
    const text = toYamlStream([cron])
    expect(text).not.toMatch(ANCHOR_OR_ALIAS)
    expect(text).toMatch(/: \|[-+]?\n|- \|[-+]?\n/)
    expect(parse(text)).toEqual(cron)
  })

  test('add-origin --dry-run -o yaml: objects built from shared parts have no aliases', async () => {
    const result = {warnings: [], objects: [deployment('srs-origin-3-deploy')]} as unknown as OriginChangeResult
    const text = await objectsAsYaml(result)
    expect(text).not.toMatch(ANCHOR_OR_ALIAS)
    expect(parse(text)).toEqual(deployment('srs-origin-3-deploy'))
  })
})
