/** What help and docs say about a behaviour matches the code (issue 17, items 5, 7 and 10). */
import {describe, expect, test} from '@jest/globals'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import Canary from '../../../src/commands/canary.js'
import {ROLLOUT_ANNOTATION} from '../../../src/lib/vocabulary.js'
import {readCredentialFlags} from '../../../src/lib/srs/api/credentials.js'
import {UsageError} from '../../../src/lib/errors.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')

describe('canary --replicas', () => {
  test('help names the annotation the default comes from first, then both tracks', () => {
    const text = Canary.flags.replicas.description!
    expect(text).toContain(ROLLOUT_ANNOTATION.totalReplicas)
    expect(text.indexOf(ROLLOUT_ANNOTATION.totalReplicas)).toBeLessThan(text.indexOf('both tracks'))
  })
})

describe('README: SRS API credentials', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### SRS http_api auth'), readme.indexOf('## Exit codes'))

  test('the flags and --api-secret together are refused, and the README says so instead of an order', () => {
    expect(() => readCredentialFlags({apiUser: 'admin', apiPasswordFile: '/dev/null', apiSecret: 'srs-api-auth'})).toThrow(UsageError)
    expect(section).not.toMatch(/in this order/)
    expect(section).toMatch(/`--api-user`\/`--api-password-file` with `--api-secret` is a usage error, exit 2/)
  })
})

describe('docs/rbac.yaml header', () => {
  test('every command and flag it names as read-only use exists', () => {
    const manifestFile = path.join(ROOT, 'oclif.manifest.json')
    if (!existsSync(manifestFile)) throw new Error('oclif.manifest.json is missing: run `npm run build` first')
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {commands: Record<string, {flags: Record<string, unknown>}>}
    const header = readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8').split('\napiVersion:')[0]!
    const readOnly = /# Read-only use \(([^)]*)\)/.exec(header.replace(/\n# /g, ' '))![1]!
    const uses = readOnly.split(',').map((u) => u.trim())
    expect(uses.length).toBeGreaterThan(5)
    for (const use of uses) {
      // "canary/promote --dry-run" names two commands with one flag
      const [commands, ...flags] = use.split(/\s+/)
      for (const command of commands!.split('/')) {
        expect({use, command, known: command in manifest.commands}).toEqual({use, command, known: true})
        for (const flag of flags) expect({use, command, flag, known: flag.replace(/^--/, '') in manifest.commands[command]!.flags}).toEqual({use, command, flag, known: true})
      }
    }
  })
})
