/**
 * The generated script, read and also run: with the machine's /bin/sh and find on a real
 * tree in a temporary folder, exactly as the cleanup container runs it.
 */
import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {buildCleanupScript, cleanupArgs, cleanupCommand, parseCleanupOutput, TEMP_PATTERNS} from '../../../src/lib/cleanup/script.js'

describe('the script text', () => {
  const script = buildCleanupScript()
  test('never interpolates the folder: it is $1, always quoted', () => {
    expect(script).toContain('dir=$1 minutes=$2 mode=$3')
    expect(script).not.toMatch(/find \$dir /)
    for (const line of script.split('\n').filter((l) => l.includes('find '))) expect(line).toMatch(/find "\$dir" -xdev /)
  })
  test('selects regular files by quoted names, never follows symlinks, prints before deleting', () => {
    for (const p of TEMP_PATTERNS) expect(script).toContain(`-name '${p}'`)
    expect(script).not.toMatch(/find -L|-follow/)
    expect(script).toMatch(/-type f \\\( .* \\\) -mmin \+"\$minutes" -print -delete/)
    expect(script).toMatch(/-mindepth 1 -type d -empty -newer "\$mark" -print -delete/)
    expect(script).toMatch(/while \[ \$pass -lt 200 \]/)
  })
  test("the patterns are SRS's temporary and HLS files, not finished DVR files", () => {
    expect([...TEMP_PATTERNS]).toEqual(['*.ts', '*.ts.tmp', '*.m3u8', '*.m3u8.temp', '*.flv.tmp', '*.mp4.tmp'])
  })
  test('command and args', () => {
    expect(cleanupCommand().slice(0, 2)).toEqual(['/bin/sh', '-c'])
    expect(cleanupCommand()[3]).toBe('srs-cleanup')
    expect(cleanupArgs('/a b', 4320, 'delete')).toEqual(['/a b', '4320', 'delete'])
  })
})

describe('the script run on a tree', () => {
  let root: string
  let outside: string
  const old = Date.now() / 1000 - 5 * 86_400
  const write = (rel: string, age: 'old' | 'new' = 'old') => {
    const p = path.join(root, rel)
    fs.mkdirSync(path.dirname(p), {recursive: true})
    fs.writeFileSync(p, rel)
    if (age === 'old') fs.utimesSync(p, old, old)
  }
  const exists = (rel: string) => fs.existsSync(path.join(root, rel))
  const run = (mode: 'delete' | 'dry-run', dir = root) => spawnSync('/bin/sh', ['-c', buildCleanupScript(), 'srs-cleanup', ...cleanupArgs(dir, 4320, mode)], {encoding: 'utf8', cwd: root})

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'srs cleanup '))
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'))
    fs.writeFileSync(path.join(outside, 'target.ts'), 'keep')
    fs.utimesSync(path.join(outside, 'target.ts'), old, old)
    for (const f of ['live/a-1.ts', 'live/a.m3u8', 'live/a-2.ts.tmp', 'live/a.m3u8.temp', 'gone/only.ts', 'deep/er/est/seg.ts', 'dvr/b.flv.tmp', 'dvr/c.mp4.tmp', 'odd/with space.ts', 'odd/$(touch x).ts', "odd/q'uote;.m3u8"]) write(f)
    for (const f of ['live/new-3.ts', 'live/new.m3u8']) write(f, 'new')
    for (const f of ['dvr/b.flv', 'dvr/c.mp4', 'console/index.html', 'console/app.js', 'live/a.ts.bak', 'live/tsx']) write(f)
    fs.mkdirSync(path.join(root, 'was-empty'))
    fs.utimesSync(path.join(root, 'was-empty'), old, old)
    fs.symlinkSync(path.join(outside, 'target.ts'), path.join(root, 'live/link.ts'))
    fs.symlinkSync(outside, path.join(root, 'outside-dir'))
  })
  afterEach(() => {
    fs.rmSync(root, {recursive: true, force: true})
    fs.rmSync(outside, {recursive: true, force: true})
  })

  test('dry run lists the old temporary files and deletes nothing', () => {
    const r = run('dry-run')
    expect(r.status).toBe(0)
    const out = parseCleanupOutput(r.stdout)
    expect(out.mode).toBe('dry-run')
    expect(out.complete).toBe(true)
    expect(out.wouldDelete.map((p) => path.relative(root, p)).sort()).toEqual(
      ['deep/er/est/seg.ts', 'dvr/b.flv.tmp', 'dvr/c.mp4.tmp', 'gone/only.ts', 'live/a-1.ts', 'live/a-2.ts.tmp', 'live/a.m3u8', 'live/a.m3u8.temp', 'odd/$(touch x).ts', "odd/q'uote;.m3u8", 'odd/with space.ts'].sort(),
    )
    expect(exists('live/a-1.ts')).toBe(true)
  })

  test('deletes exactly the old temporary files and the folders it emptied', () => {
    const r = run('delete')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = parseCleanupOutput(r.stdout)
    expect(out.deleted).toHaveLength(11)
    expect(out.removedFolders.map((p) => path.relative(root, p)).sort()).toEqual(['deep', 'deep/er', 'deep/er/est', 'gone', 'odd'])
    for (const f of ['live/a-1.ts', 'live/a.m3u8', 'live/a-2.ts.tmp', 'live/a.m3u8.temp', 'gone', 'deep', 'dvr/b.flv.tmp', 'dvr/c.mp4.tmp', 'odd']) expect([f, exists(f)]).toEqual([f, false])
    for (const f of ['live/new-3.ts', 'live/new.m3u8', 'dvr/b.flv', 'dvr/c.mp4', 'console/index.html', 'console/app.js', 'live/a.ts.bak', 'live/tsx', 'was-empty']) expect([f, exists(f)]).toEqual([f, true])
    expect(fs.lstatSync(path.join(root, 'live/link.ts')).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(path.join(outside, 'target.ts'), 'utf8')).toBe('keep')
    expect(fs.existsSync(path.join(root, 'x'))).toBe(false)
    expect(fs.existsSync('x')).toBe(false)
  })

  test('refuses a relative folder and / at run time too', () => {
    expect(run('delete', 'relative').status).toBe(2)
    expect(run('delete', '/').status).toBe(2)
    expect(run('delete', path.join(root, 'live/link.ts')).status).toBe(2)
  })
})
