import {describe, expect, test} from '@jest/globals'
import {imageTag, isSrsImage, isValidTag, parseImageRef, withTag} from '../../../src/lib/srs/image.js'

describe('image references', () => {
  test.each([
    ['ossrs/srs:3', {repository: 'ossrs/srs', tag: '3'}],
    ['ossrs/srs', {repository: 'ossrs/srs'}],
    ['registry.cn-hangzhou.aliyuncs.com/ossrs/srs:v4.0.5', {registry: 'registry.cn-hangzhou.aliyuncs.com', repository: 'ossrs/srs', tag: 'v4.0.5'}],
    ['localhost:5000/ossrs/srs:6', {registry: 'localhost:5000', repository: 'ossrs/srs', tag: '6'}],
    ['ossrs/srs:5@sha256:abcd', {repository: 'ossrs/srs', tag: '5', digest: 'sha256:abcd'}],
  ])('parses %s', (ref, want) => {
    expect(parseImageRef(ref)).toEqual({registry: undefined, tag: undefined, digest: undefined, ...want})
  })

  test.each([
    ['ossrs/srs:4', '4'],
    ['ossrs/srs:v4.0.6', 'v4.0.6'],
    ['registry.example.com:5000/ossrs/srs:v5.0-r3', 'v5.0-r3'],
    ['registry.example.com:5000/ossrs/srs', undefined],
    ['ossrs/srs', undefined],
    ['ossrs/srs:6@sha256:0123abcd', '6'],
    ['ossrs/srs@sha256:0123abcd', undefined],
  ])('%s has tag %s', (image, tag) => {
    expect(parseImageRef(image).tag).toBe(tag)
  })

  test('--to keeps registry and repository and swaps the tag', () => {
    expect(withTag('registry.cn-hangzhou.aliyuncs.com/ossrs/srs:v4.0.5', 'v4.0.6')).toBe('registry.cn-hangzhou.aliyuncs.com/ossrs/srs:v4.0.6')
    expect(withTag('localhost:5000/ossrs/srs', '6')).toBe('localhost:5000/ossrs/srs:6')
    expect(withTag('ossrs/srs:5@sha256:abcd', '6')).toBe('ossrs/srs:6')
  })

  test('tags default to latest', () => {
    expect(imageTag('ossrs/srs')).toBe('latest')
    expect(imageTag('ossrs/srs:v4.0.6')).toBe('v4.0.6')
  })

  test('recognises SRS images from any registry, and extra names', () => {
    expect(isSrsImage('ossrs/srs:3')).toBe(true)
    expect(isSrsImage('docker.io/ossrs/srs:6')).toBe(true)
    expect(isSrsImage('registry.cn-hangzhou.aliyuncs.com/ossrs/srs:5')).toBe(true)
    expect(isSrsImage('nginx')).toBe(false)
    expect(isSrsImage('ossrs/srs-encoder:1')).toBe(false)
    expect(isSrsImage('example.com/media/my-srs:1', ['media/my-srs'])).toBe(true)
  })

  test('valid tags', () => {
    expect(isValidTag('v4.0.6')).toBe(true)
    expect(isValidTag('6')).toBe(true)
    expect(isValidTag('')).toBe(false)
    expect(isValidTag('v4.0.6; rm -rf /')).toBe(false)
    expect(isValidTag('-bad')).toBe(false)
    expect(isValidTag('x'.repeat(129))).toBe(false)
  })
})
