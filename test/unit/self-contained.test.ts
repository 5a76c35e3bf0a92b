/**
 * The repository stands on its own: no tracked file (source, test, script, doc) names a path
 * outside it, such as a folder beside the clone or a folder of the machine it was written on.
 * Checked on `git ls-files` plus new files not yet added, so it holds before a commit too.
 */
import {describe, expect, test} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const repoRoot = path.resolve(import.meta.dirname, '../..')

const escape = (text: string): string => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Where a path outside the repository would point: a folder beside the clone, the folder the
 * clone sits in and the home folder of this machine. An absolute path counts only where a path
 * starts (`<pod>/work/` is a path inside something else). Built from parts, so this file does not
 * name them itself.
 */
function outsidePaths(): RegExp[] {
  const beside = ['..', 'shared', ''].join('/')
  const absolute = [['', 'work', ''].join('/')]
  const parent = path.dirname(repoRoot)
  if (parent !== path.parse(parent).root) absolute.push(`${parent}/`)
  const home = os.homedir()
  if (home !== path.parse(home).root) absolute.push(`${home}/`)
  return [new RegExp(escape(beside)), new RegExp(`\\b${['shared', '(?:seeds|fixtures|docs|research)/'].join('/')}`), ...[...new Set(absolute)].map((p) => new RegExp(`(?<![\\w.>~-])${escape(p)}`))]
}

function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: repoRoot, encoding: 'utf8'})
  return out.split('\0').filter((file) => file !== '')
}

describe('the repository stands on its own', () => {
  const files = repositoryFiles()

  test('git lists the repository files', () => {
    expect(files).toContain('package.json')
    expect(files).toContain('test/unit/self-contained.test.ts')
  })

  test('no file names a path outside the repository', () => {
    const patterns = outsidePaths()
    const found: string[] = []
    for (const file of files) {
      let text: string
      try {
        text = readFileSync(path.join(repoRoot, file), 'utf8')
      } catch {
        continue // listed but deleted in the work tree
      }
      if (text.includes('\0')) continue // binary
      text.split('\n').forEach((line, i) => {
        for (const pattern of patterns) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${pattern.source}`)
      })
    }
    expect(found).toEqual([])
  })
})
