import {describe, expect, it} from '@jest/globals'
import {matchSrsVersionToImage} from '../../../src/lib/srs/api/index.js'
import {fixtureJson, SRS_VERSIONS} from './fixtures.js'

describe('does the reported version fit the image?', () => {
  it.each([
    ['ossrs/srs:4', '4.0.271', 'match'],
    ['ossrs/srs:4', '5.0.213', 'mismatch'],
    ['ossrs/srs:v4', '4.0.5', 'match'],
    ['ossrs/srs:3', '4.0.5', 'mismatch'],
    ['ossrs/srs:v4.0.6', '4.0.6', 'match'],
    ['ossrs/srs:4.0.6', '4.0.6', 'match'],
    ['ossrs/srs:v4.0.6', '4.0.5', 'mismatch'],
    ['ossrs/srs:v4.0.6', '4.0.60', 'mismatch'],
    ['ossrs/srs:5', '5.0.213', 'match'],
    ['ossrs/srs:v5.0-r3', '5.0.213', 'match'],
    ['ossrs/srs:v5.0-r3', '5.1.0', 'mismatch'],
    ['ossrs/srs:v5.0-r3', '6.0.155', 'mismatch'],
    ['ossrs/srs:v6.0-a1', '6.0.155', 'match'],
    ['ossrs/srs:6', '6.0.155', 'match'],
    ['ossrs/srs:6', '5.0.213', 'mismatch'],
    ['ossrs/srs:5.0', '5.0.213', 'match'],
    ['ossrs/srs:latest', '6.0.155', 'unverifiable'],
    ['ossrs/srs', '6.0.155', 'unverifiable'],
    ['ossrs/srs:encoder', '6.0.155', 'unverifiable'],
    ['ossrs/srs@sha256:0123abcd', '6.0.155', 'unverifiable'],
    ['ossrs/srs:6', 'not-a-version', 'unverifiable'],
  ])('%s reporting %s: %s', (image, reported, verdict) => {
    expect(matchSrsVersionToImage(image, reported).verdict).toBe(verdict)
  })

  it('describes what the tag promises', () => {
    expect(matchSrsVersionToImage('ossrs/srs:v5.0-r3', '5.0.213').expectation).toEqual({verifiable: true, tag: 'v5.0-r3', range: '5.0.x', description: 'any 5.0.x'})
    expect(matchSrsVersionToImage('ossrs/srs:v4.0.6', '4.0.6').expectation).toMatchObject({description: 'exactly 4.0.6'})
    expect(matchSrsVersionToImage('ossrs/srs:latest', '6.0.155').expectation).toEqual({verifiable: false, tag: 'latest', description: 'tag "latest" names no version'})
  })

  it.each(SRS_VERSIONS)('matches the release tag %s to the version its server reported', (tag) => {
    const reported = fixtureJson<{data: {version: string}}>(tag, 'versions.json').data.version
    expect(matchSrsVersionToImage(`ossrs/srs:${tag}`, reported).verdict).toBe('match')
    expect(matchSrsVersionToImage(`ossrs/srs:${tag.slice(1, 2)}`, reported).verdict).toBe('match')
  })
})
