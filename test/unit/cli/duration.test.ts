import {describe, expect, test} from '@jest/globals'
import {formatDuration, parseDuration} from '../../../src/lib/cli/duration.js'
import {UsageError} from '../../../src/lib/errors.js'

describe('parseDuration takes kubectl durations', () => {
  test.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['0', 0],
    [' 2m ', 120_000],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  test.each(['', '30', '-5s', '5d', 'abc', '5 m', '1h-', 's', '१s', '$(reboot)s', '99999999h'])('rejects %p naming the flag', (input) => {
    expect(() => parseDuration(input, 'timeout')).toThrow(UsageError)
    expect(() => parseDuration(input, 'timeout')).toThrow(/--timeout/)
  })

  test('formats back in the short form', () => {
    expect(formatDuration(90_000)).toBe('1m30s')
    expect(formatDuration(3_600_000)).toBe('1h')
    expect(formatDuration(500)).toBe('500ms')
    expect(formatDuration(0)).toBe('0ms')
  })
})
