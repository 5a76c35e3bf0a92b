/** --help shows every duration flag's default as the user would type it (issue 17, item 1). */
import {describe, expect, test} from '@jest/globals'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {parseDuration} from '../../../src/lib/cli/duration.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const MANIFEST = path.join(ROOT, 'oclif.manifest.json')

interface ManifestFlag {
  name: string
  helpValue?: string
  default?: unknown
}

function manifest(): {commands: Record<string, {flags: Record<string, ManifestFlag>}>} {
  if (!existsSync(MANIFEST)) throw new Error('oclif.manifest.json is missing: run `npm run build` first')
  return JSON.parse(readFileSync(MANIFEST, 'utf8'))
}

/** The defaults the commands really use: their flag definitions in the source, in milliseconds. */
async function sourceDefaults(command: string): Promise<Record<string, unknown>> {
  const mod = (await import(path.join(ROOT, 'src/commands', `${command}.ts`))) as {default: {flags?: Record<string, {default?: unknown}>; baseFlags?: Record<string, {default?: unknown}>}}
  const flags = {...mod.default.baseFlags, ...mod.default.flags}
  return Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, f.default]))
}

const durationFlags = Object.entries(manifest().commands).flatMap(([command, spec]) =>
  Object.values(spec.flags)
    .filter((f) => f.helpValue === '<duration>')
    .map((f) => ({command, flag: f.name, shown: f.default})),
)

describe('duration flags show their defaults as durations', () => {
  test('the manifest has the duration flags of every command', () => {
    expect(readdirSync(path.join(ROOT, 'src/commands')).length).toBe(Object.keys(manifest().commands).length)
    expect(durationFlags.map((d) => `${d.command} --${d.flag}`)).toEqual(
      expect.arrayContaining(['status --timeout', 'status --interval', 'canary --pod-timeout', 'doctor --drain-budget', 'add-origin --kubelet-sync', 'cleanup --request-timeout']),
    )
  })

  test.each(durationFlags)('$command --$flag shows $shown', async ({command, flag, shown}) => {
    const real = (await sourceDefaults(command))[flag]
    if (real === undefined) {
      expect(shown).toBeUndefined()
      return
    }
    expect(typeof shown).toBe('string')
    expect(shown).not.toMatch(/^\d+$/)
    // what help shows is accepted by the flag and means the same default
    expect(parseDuration(shown as string, flag)).toBe(real)
  })
})
