import {describe, expect, test} from '@jest/globals'
import {UsageError} from '../../../src/lib/errors.js'
import {formatMinutes, isInside, parseOlderThan, validateCleanupPath, validateImage, validateSchedule} from '../../../src/lib/cleanup/validate.js'

describe('--older-than takes m, h and d only', () => {
  test.each([
    ['90m', 90],
    ['12h', 720],
    ['3d', 4320],
    [' 1m ', 1],
  ])('%s is %d minutes', (input, minutes) => {
    expect(parseOlderThan(input)).toBe(minutes)
    expect(formatMinutes(minutes)).toBe(input.trim() === '12h' ? '12h' : input.trim())
  })
  test.each(['3', '3s', '1w', '3days', '-3d', '1.5d', '3d2h', '', 'd', '0m', '0d', '99999d', '3 d'])('refuses %j, naming the flag', (input) => {
    expect(() => parseOlderThan(input)).toThrow(UsageError)
    expect(() => parseOlderThan(input)).toThrow(/--older-than/)
  })
})

describe('--schedule is a 5-field cron expression', () => {
  test.each(['15 1 * * *', '*/5 * * * *', '0 0-6/2 1,15 * mon-fri', '0 3 * JAN,jul SUN', '0  1 * * 7', '30 2 ? * *'])('accepts %j', (s) => {
    expect(validateSchedule(s)).toBe(s.replace(/\s+/g, ' '))
  })
  test.each([
    ['15 1 * *', /4 fields/],
    ['15 1 * * * *', /6 fields/],
    ['', /0 fields/],
    ['60 1 * * *', /minute/],
    ['0 24 * * *', /hour/],
    ['0 0 0 * *', /day of month/],
    ['0 0 * 13 *', /month/],
    ['0 0 * * 8', /day of week/],
    ['0 0 * * funday', /day of week/],
    ['*/0 * * * *', /step/],
    ['5-1 * * * *', /backwards/],
    ['TZ=UTC 0 0 * * *', /time zone/],
    ['@daily', /1 fields/],
    ['0 0 * * *; rm -rf /', /fields|day of week/],
  ])('refuses %j', (s, why) => {
    expect(() => validateSchedule(s)).toThrow(/--schedule/)
    expect(() => validateSchedule(s)).toThrow(why)
  })
})

describe('--path: absolute, not /, no . or .. segments', () => {
  test.each([
    ['/usr/local/srs/objs/nginx/html', '/usr/local/srs/objs/nginx/html'],
    ['/data//hls/', '/data/hls'],
    ['/data/with space/$(touch x);"q\'', '/data/with space/$(touch x);"q\''],
    ['/data/..hidden', '/data/..hidden'],
  ])('%j → %j (quoting is not needed: the script gets it as $1)', (input, out) => {
    expect(validateCleanupPath(input)).toBe(out)
  })
  test.each([
    ['/', /whole file system/],
    ['//', /whole file system/],
    ['data/hls', /not an absolute path/],
    ['./data', /not an absolute path/],
    ['', /not an absolute path/],
    ['/data/../etc', /"\." or "\.\." segments/],
    ['/data/..', /segments/],
    ['/data/./hls', /segments/],
    ['/data/a\nb', /control characters/],
  ])('refuses %j', (input, why) => {
    expect(() => validateCleanupPath(input)).toThrow(/--path/)
    expect(() => validateCleanupPath(input)).toThrow(why)
  })
  test('isInside compares whole segments', () => {
    expect(isInside('/data/hls', '/data')).toBe(true)
    expect(isInside('/data', '/data')).toBe(true)
    expect(isInside('/database', '/data')).toBe(false)
  })
})

describe('--image', () => {
  test.each(['busybox:1.36', 'docker.io/library/alpine:3.20', 'registry:5000/mirror/debian', `busybox@sha256:${'a'.repeat(64)}`])('accepts %s', (i) => {
    expect(validateImage(i)).toBe(i)
  })
  test.each(['busybox 1.36', 'busybox;rm', '', ':latest', 'a\nb', 'x$(y)'])('refuses %j', (i) => {
    expect(() => validateImage(i)).toThrow(/--image/)
  })
})
