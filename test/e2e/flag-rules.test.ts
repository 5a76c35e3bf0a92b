/**
 * Flag rules that are declared once (oclif `exclusive`, positive-duration flags) and hold for every
 * command that has the flags: the same one-line usage error, exit 2, before the cluster is asked.
 */
import {describe, expect, test} from '@jest/globals'
import {srs} from '../helpers/cli.js'

// A kubeconfig that points nowhere: a usage error must come before any request.
const NO_CLUSTER = {KUBECONFIG: '/nonexistent/kubeconfig'}

async function usageError(args: string[]): Promise<string[]> {
  const r = await srs(args, {env: NO_CLUSTER})
  expect({args, code: r.code, stdout: r.stdout}).toEqual({args, code: 2, stdout: ''})
  return r.stderr.trim().split('\n')
}

describe('flag rules declared once', () => {
  test.concurrent.each(['status', 'streams', 'doctor'])('%s: -A with -n is refused', async (command) => {
    expect(await usageError([command, '-A', '-n', 'live'])).toEqual(['error: --all-namespaces and --namespace cannot be used together', 'hint: pick one'])
  })

  test.concurrent.each([
    [['status', '--timeout', '0'], '5s'],
    [['streams', '--timeout', '0s'], '5s'],
    [['cleanup', '--timeout', '0'], '5m'],
    [['add-origin', '--timeout', '0'], '5m'],
    [['remove-origin', '--timeout', '0ms'], '5m'],
    [['sync-origins', '--timeout', '0'], '5m'],
  ])('%p: a wait of 0 is refused, with an example', async (args, example) => {
    expect(await usageError(args)).toEqual(['error: invalid value for --timeout: it must be more than 0', `hint: for example --timeout ${example}`])
  })

  test.concurrent.each([
    [['--delete', '--now'], 'delete', 'now'],
    [['--delete', '--status'], 'delete', 'status'],
    [['--delete', '--dry-run'], 'delete', 'dry-run'],
    [['--status', '--now'], 'status', 'now'],
    [['--status', '--dry-run'], 'status', 'dry-run'],
  ])('cleanup %p is refused', async (flags, a, b) => {
    expect(await usageError(['cleanup', ...flags])).toEqual([`error: --${a} and --${b} cannot be used together`, 'hint: pick one'])
  })
})
