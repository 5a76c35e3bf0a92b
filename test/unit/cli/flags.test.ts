import {describe, expect, test} from '@jest/globals'
import {canDrawSpinner, oneLine, refuseValuesOfBooleans} from '../../../src/lib/cli/base-command.js'
import {validateName, validateNamespace, validateSelector} from '../../../src/lib/cli/flags.js'
import {decideColor} from '../../../src/lib/cli/output.js'
import {UsageError} from '../../../src/lib/errors.js'

describe('names and namespaces are DNS-1123', () => {
  test.each(['srs-edge-deploy', 'srs-origin', 'a', 'srs.origin-0'])('%s is a valid name', (n) => expect(validateName(n, 'workload name')).toBe(n))
  test.each(['', 'Srs', 'srs_edge', '-srs', 'srs-', 'a'.repeat(254), 'srs edge', 'srs;rm', 'ñ'])('%p is refused, naming what was wrong', (n) => {
    expect(() => validateName(n, 'workload name')).toThrow(UsageError)
    expect(() => validateName(n, 'workload name')).toThrow(/invalid workload name/)
  })
  test('namespaces are labels (no dots, at most 63)', () => {
    expect(validateNamespace('live')).toBe('live')
    expect(() => validateNamespace('a.b')).toThrow(/--namespace/)
    expect(() => validateNamespace('a'.repeat(64))).toThrow(/--namespace/)
  })
})

describe('oclif errors become one line', () => {
  test.each([
    ['The following error occurred:\n  Missing required flag percent\nSee more help with --help', 'missing required flag --percent'],
    ['Parsing --concurrency \n\tinvalid value for --concurrency: 0 is out of range\nSee more help with --help', 'invalid value for --concurrency: 0 is out of range'],
    ['Expected --output=xml to be one of: table, json', 'Expected --output=xml to be one of: table, json'],
  ])('%p', (input, want) => expect(oneLine(input)).toBe(want))
})

describe('colour policy', () => {
  test('--no-color and NO_COLOR turn colours off (and tell chalk through FORCE_COLOR=0)', () => {
    const env: NodeJS.ProcessEnv = {}
    expect(decideColor(true, env)).toBe(false)
    expect(env.FORCE_COLOR).toBe('0')
    expect(decideColor(false, {NO_COLOR: '1'})).toBe(false)
  })
  test('FORCE_COLOR turns them on without a terminal; an empty NO_COLOR does not count', () => {
    expect(decideColor(false, {FORCE_COLOR: '1'})).toBe(true)
    expect(decideColor(false, {NO_COLOR: '', FORCE_COLOR: '1'})).toBe(true)
  })
})

describe('label selectors are checked before any request', () => {
  test.each(['app=srs-edge', 'app==srs-edge', 'app!=nginx', 'app', '!app', 'tier in (edge,origin)', 'tier notin (a, b),app=x', 'app.kubernetes.io/name=srs', 'app='])('%p is a selector', (s) => expect(validateSelector(s)).toBe(s))
  test.each(['', ' ', 'ünï', '$(rm -rf /)', 'Bad_Name.', 'app=a b', 'tier in (a', 'app=-x', '=x', 'a,,b'])('%p is refused, naming --selector', (s) => {
    expect(() => validateSelector(s)).toThrow(UsageError)
    expect(() => validateSelector(s)).toThrow(/invalid value for --selector: .* is not a label selector/)
  })
})

describe('switches take no value', () => {
  const flags = {'dry-run': {type: 'boolean'}, wait: {type: 'boolean', allowNo: true}, count: {type: 'option'}}
  test.each([['--dry-run=yes'], ['--wait=false'], ['--no-wait=1']])('%p is refused, naming the flag', (arg) => {
    expect(() => refuseValuesOfBooleans(['x', arg], flags)).toThrow(/takes no value/)
    expect(() => refuseValuesOfBooleans(['x', arg], flags)).toThrow(new RegExp(`--${arg.slice(2, arg.indexOf('='))}`))
  })
  test('options with =, switches alone and anything after -- pass', () => {
    expect(() => refuseValuesOfBooleans(['--count=3', '--dry-run', '--no-wait', '--', '--dry-run=yes'], flags)).not.toThrow()
  })
})

describe('spinners only where they can be drawn', () => {
  test('a terminal with a width gets one; no terminal, or one reporting 0 or no columns, gets none', () => {
    expect(canDrawSpinner({isTTY: true, columns: 80})).toBe(true)
    expect(canDrawSpinner({isTTY: true, columns: 0})).toBe(false)
    expect(canDrawSpinner({isTTY: true})).toBe(false)
    expect(canDrawSpinner({isTTY: false, columns: 80})).toBe(false)
  })
})
