/**
 * Does the version a pod's SRS reports fit the image tag it was started from? A canary is
 * "verified" only when it does. Tags name versions at different precision: `ossrs/srs:4` is any
 * 4.x, `v4.0.6` exactly 4.0.6, a release tag such as `v5.0-r3` some 5.0.x; `latest` says nothing.
 */
import semver from 'semver'
import {parseImageRef} from '../image.js'

export type SrsVersionExpectation = {verifiable: true; tag: string; range: string; description: string} | {verifiable: false; tag: string | undefined; description: string}

export interface SrsVersionMatch {
  verdict: 'match' | 'mismatch' | 'unverifiable'
  reported: string
  expectation: SrsVersionExpectation
}

const TAG = /^v?(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:-([0-9A-Za-z.-]+))?$/

function srsVersionExpectedForTag(tag: string | undefined): SrsVersionExpectation {
  const match = tag === undefined ? null : TAG.exec(tag)
  if (!match) {
    return {verifiable: false, tag, description: tag === undefined ? 'image has no tag' : `tag "${tag}" names no version`}
  }
  const [, major, minor, patch] = match
  const t = tag as string
  if (patch !== undefined) {
    const exact = `${Number(major)}.${Number(minor)}.${Number(patch)}`
    return {verifiable: true, tag: t, range: `=${exact}`, description: `exactly ${exact}`}
  }
  if (minor !== undefined) {
    // Covers release tags such as v5.0-r3 or v6.0-a1: they name a 5.0 / 6.0 build, not its patch.
    return {verifiable: true, tag: t, range: `${Number(major)}.${Number(minor)}.x`, description: `any ${Number(major)}.${Number(minor)}.x`}
  }
  return {verifiable: true, tag: t, range: `${Number(major)}.x`, description: `any ${Number(major)}.x`}
}

function matchSrsVersionToTag(tag: string | undefined, reportedVersion: string): SrsVersionMatch {
  const expectation = srsVersionExpectedForTag(tag)
  if (!expectation.verifiable) return {verdict: 'unverifiable', reported: reportedVersion, expectation}
  const reported = semver.valid(reportedVersion) ?? semver.coerce(reportedVersion)?.version
  if (!reported) return {verdict: 'unverifiable', reported: reportedVersion, expectation}
  return {verdict: semver.satisfies(reported, expectation.range) ? 'match' : 'mismatch', reported: reportedVersion, expectation}
}

export function matchSrsVersionToImage(image: string, reportedVersion: string): SrsVersionMatch {
  // No tag (implicitly latest) or a digest only: nothing to compare the version with.
  return matchSrsVersionToTag(parseImageRef(image).tag, reportedVersion)
}
