/** docs/bad-input.md is rendered from the cases the e2e test runs; it must not drift from them. */
import {describe, expect, test} from '@jest/globals'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {badInputCases, renderBadInputDoc, type Manifest} from '../bad-input/cases.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const MANIFEST = path.join(ROOT, 'oclif.manifest.json')

function manifest(): Manifest {
  if (!existsSync(MANIFEST)) throw new Error('oclif.manifest.json is missing: run `npm run build` first')
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest
}

describe('the bad-input table', () => {
  test('every flag and argument of every command has a value kind, so none is left out', () => {
    const m = manifest()
    const cases = badInputCases(m)
    for (const [command, spec] of Object.entries(m.commands)) {
      for (const flag of Object.keys(spec.flags)) expect({command, flag, covered: cases.some((c) => c.command === command && c.target === `--${flag}`)}).toEqual({command, flag, covered: true})
      for (const arg of Object.keys(spec.args ?? {})) expect({command, arg, covered: cases.some((c) => c.command === command && c.target === `<${arg}>`)}).toEqual({command, arg, covered: true})
    }
  })

  test('a flag with no kind is an error that says where to add it', () => {
    const m = manifest()
    const withNew: Manifest = {commands: {...m.commands, status: {...m.commands.status!, flags: {...m.commands.status!.flags, 'brand-new': {name: 'brand-new', type: 'option'}}}}}
    expect(() => badInputCases(withNew)).toThrow(/no value kind for status --brand-new: add them to FLAG_KINDS/)
  })

  test('docs/bad-input.md is what `npm run docs:bad-input` renders now', () => {
    const committed = readFileSync(path.join(ROOT, 'docs/bad-input.md'), 'utf8')
    // a failure here means: run `npm run build && npm run docs:bad-input` and commit the doc
    expect(committed).toBe(renderBadInputDoc(manifest()))
  })
})
