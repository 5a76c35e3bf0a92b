/**
 * kubectl srs cleanup end to end: the guide's origin StatefulSet mounting pvc-nas, a volume
 * tree in podsim's folder for that claim, and the generated CronJob's script really run by
 * podsim (busybox image → /bin/sh on this machine, claim bind-mounted at the mount path).
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {CleanupReport} from '../../src/lib/cleanup/result.js'
import {createNamespace, eventually, kubectl, kubectlJson, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
const MOUNT = '/usr/local/srs/objs/nginx/html'
let ns: {name: string; remove: () => void}
let vol: string
let outside: string

const OLD = Date.now() / 1000 - 5 * 86_400
const NEW = Date.now() / 1000 - 3600

/** Deleted by a run: old temporary files (and the folders they leave empty). */
const OLD_TEMP = [
  'live/stream-1.ts',
  'live/stream-2.ts',
  'live/stream.m3u8',
  'live/stream-3.ts.tmp',
  'live/stream.m3u8.temp',
  'dvr/live/rec.1700000000.flv.tmp',
  'dvr/live/rec.1700000001.mp4.tmp',
  'ended/only/seg-9.ts',
  'ended/only/seg.m3u8',
  'odd/with space-1.ts',
  'odd/$(touch x).ts',
]
const REMOVED_FOLDERS = ['ended/only', 'ended', 'odd']
/** Kept: recent temporary files, finished DVR files, static files, other names. */
const KEPT = [
  'live/stream-4.ts',
  'live/stream-now.m3u8',
  'dvr/live/rec.1700000000.flv',
  'dvr/live/rec.1700000001.mp4',
  'console/index.html',
  'console/js/srs.console.js',
  'players/srs_player.html',
  'crossdomain.xml',
  'live/notes.ts.bak',
  'live/tsfile',
]

function write(rel: string, mtime: number): void {
  const p = path.join(vol, rel)
  fs.mkdirSync(path.dirname(p), {recursive: true})
  fs.writeFileSync(p, `content of ${rel}\n`)
  fs.utimesSync(p, mtime, mtime)
}

function buildTree(): void {
  fs.rmSync(vol, {recursive: true, force: true})
  for (const f of OLD_TEMP) write(f, OLD)
  for (const f of KEPT) write(f, f.startsWith('live/stream') ? NEW : OLD)
  fs.mkdirSync(path.join(vol, 'empty-before'), {recursive: true})
  fs.utimesSync(path.join(vol, 'empty-before'), OLD, OLD)
  // a symlink to a file outside the volume, named like a segment, and one to a folder
  fs.symlinkSync(path.join(outside, 'target.ts'), path.join(vol, 'live/link-out.ts'))
  fs.symlinkSync(outside, path.join(vol, 'live/dir-out'))
}

async function cleanup(args: string[]): Promise<{code: number; stdout: string; stderr: string; report?: CleanupReport}> {
  const r = await srs(['cleanup', '-n', ns.name, ...args], {timeoutMs: 120_000})
  let report: CleanupReport | undefined
  if (args.includes('json')) report = JSON.parse(r.stdout) as CleanupReport
  return {...r, report}
}

function cronJobs(): {metadata: {name: string; uid: string}; apiVersion: string; spec: {schedule: string; concurrencyPolicy: string}}[] {
  return kubectlJson<{items: never[]}>(['get', 'cronjobs.v1.batch', '-n', ns.name]).items
}

/** The cleanup's Jobs (label app.kubernetes.io/component=srs-cleanup) that are not being deleted. */
function cleanupJobs(): string[] {
  return kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}}[]}>(['get', 'jobs.v1.batch', '-n', ns.name, '-l', 'app.kubernetes.io/component=srs-cleanup'])
    .items.filter((j) => !j.metadata.deletionTimestamp)
    .map((j) => j.metadata.name)
}

beforeAll(() => {
  ns = createNamespace('cleanup')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'pvc.yaml'), '-f', path.join(TOPO, 'origin-cluster.yaml')])
  vol = path.join(ROOT, '.cluster/podsim/volumes', ns.name, 'pvc-nas')
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanup-outside-'))
  fs.writeFileSync(path.join(outside, 'target.ts'), 'must survive\n')
  fs.utimesSync(path.join(outside, 'target.ts'), OLD, OLD)
  fs.writeFileSync(path.join(outside, 'inner-old.ts'), 'must survive\n')
  fs.utimesSync(path.join(outside, 'inner-old.ts'), OLD, OLD)
  buildTree()
}, 60_000)

afterAll(() => {
  ns?.remove()
  if (vol) fs.rmSync(path.dirname(vol), {recursive: true, force: true})
  if (outside) fs.rmSync(outside, {recursive: true, force: true})
})

describe('refusals: exit 2, the flag named, no CronJob', () => {
  test.each([
    [['--path', '/'], /--path.*whole file system/],
    [['--path', 'objs/nginx/html'], /--path.*not an absolute path/],
    [['--path', `${MOUNT}/../../../../etc`], /--path.*segments/],
    [['--path', '/etc'], /--path.*\/etc is on no claim/],
    [['--pvc', 'pvc-nas', '--path', '/etc'], /--path.*not on claim pvc-nas/],
    [['--older-than', '3s'], /--older-than/],
    [['--older-than', '1w'], /--older-than/],
    [['--older-than', '0d'], /--older-than/],
    [['--schedule', '15 1 * *'], /--schedule.*4 fields/],
    [['--schedule', '61 1 * * *'], /--schedule.*minute/],
    [['--schedule', '15 1 * * * ; rm -rf /'], /--schedule/],
    [['--pvc', 'no-such-claim'], /--pvc.*does not exist/],
    [['--pvc', 'Bad_Name'], /--pvc/],
    [['--image', 'busybox; rm -rf /'], /--image/],
    [['--delete', '--now'], /--delete/],
  ])('%j', async (args, message) => {
    const r = await cleanup(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(cronJobs()).toEqual([])
  })
})

describe("cleanup on the guide's origin volume", () => {
  test('--dry-run prints the batch/v1 CronJob and creates nothing', async () => {
    const r = await cleanup(['--dry-run', '--schedule', '*/30 * * * *'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/inferred: claim pvc-nas: mounted at \/usr\/local\/srs\/objs\/nginx\/html by StatefulSet\/srs-origin/)
    expect(r.stderr).toMatch(/inferred: claim pvc-nas: HLS of vhost __defaultVhost__ in \/usr\/local\/srs\/objs\/nginx\/html/)
    expect(r.stdout).toMatch(/^apiVersion: batch\/v1\nkind: CronJob\n/)
    expect(r.stdout).toContain('schedule: "*/30 * * * *"')
    expect(r.stdout).toContain('concurrencyPolicy: Forbid')
    expect(cronJobs()).toEqual([])
  })

  test("--now --dry-run: the Job lists what it would delete (read from its pod's log) and deletes nothing", async () => {
    const r = await cleanup(['--now', '--dry-run', '-o', 'json'])
    expect(r.code).toBe(0)
    const run = r.report!.runs![0]!
    expect(run).toMatchObject({dryRun: true, phase: 'Succeeded', exitCode: 0, logs: 'read'})
    expect(run.logsNote).toBeUndefined()
    expect(cronJobs()).toEqual([])
    expect(run.output!.complete).toBe(true)
    expect(run.output!.wouldDelete.map((p) => path.relative(MOUNT, p)).sort()).toEqual([...OLD_TEMP].sort())
    expect(run.output!.deleted).toEqual([])
    for (const f of [...OLD_TEMP, ...KEPT]) expect([f, fs.existsSync(path.join(vol, f))]).toEqual([f, true])

    // The text form lists the same files, one per line.
    const text = await cleanup(['--now', '--dry-run'])
    expect(text.code).toBe(0)
    const listed = text.stdout
      .split('\n')
      .filter((l) => l.startsWith(`    ${MOUNT}/`))
      .map((l) => path.relative(MOUNT, l.trim()))
    expect(text.stdout).toMatch(/job srs-cleanup-pvc-nas-dry-\S+ \(dry run: nothing deleted\): Succeeded, exit code 0\n {2}would delete 11 file\(s\):\n/)
    expect(listed.sort()).toEqual([...OLD_TEMP].sort())
    expect(text.stdout).not.toMatch(/not available|not known here/)
    for (const f of [...OLD_TEMP, ...KEPT]) expect([f, fs.existsSync(path.join(vol, f))]).toEqual([f, true])
    expect(cronJobs()).toEqual([])
    // Each dry run leaves its Job (it has no CronJob to own it) until --delete.
    expect(cleanupJobs()).toHaveLength(2)
  })

  test('--now deletes exactly the old temporary files and the folders it emptied', async () => {
    const hostX = fs.existsSync('/x')
    // schedules that never fire during a test run (29 February), so only --now runs the script
    const r = await cleanup(['--now', '--schedule', '0 3 29 2 *', '-o', 'json'])
    expect(r.stderr).toMatch(/cronjob.batch\/srs-cleanup-pvc-nas created/)
    expect(r.code).toBe(0)
    const report = r.report!
    expect(report.cronJobs).toMatchObject([{name: 'srs-cleanup-pvc-nas', claim: 'pvc-nas', mountPath: MOUNT, path: MOUNT, action: 'created'}])
    const run = report.runs![0]!
    expect(run).toMatchObject({dryRun: false, phase: 'Succeeded', exitCode: 0})

    for (const f of OLD_TEMP) expect([f, fs.existsSync(path.join(vol, f))]).toEqual([f, false])
    for (const d of REMOVED_FOLDERS) expect([d, fs.existsSync(path.join(vol, d))]).toEqual([d, false])
    for (const f of KEPT) expect([f, fs.readFileSync(path.join(vol, f), 'utf8')]).toEqual([f, `content of ${f}\n`])
    for (const d of ['live', 'dvr/live', 'console/js', 'players', 'empty-before']) expect([d, fs.statSync(path.join(vol, d)).isDirectory()]).toEqual([d, true])
    expect(fs.lstatSync(path.join(vol, 'live/link-out.ts')).isSymbolicLink()).toBe(true)
    expect(fs.lstatSync(path.join(vol, 'live/dir-out')).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(path.join(outside, 'target.ts'), 'utf8')).toBe('must survive\n')
    expect(fs.readFileSync(path.join(outside, 'inner-old.ts'), 'utf8')).toBe('must survive\n')
    // `$(touch x).ts` was a name, never a command
    expect(fs.existsSync(path.join(vol, 'x'))).toBe(false)
    expect(fs.existsSync(path.join(vol, 'odd', 'x'))).toBe(false)
    expect(fs.existsSync('/x')).toBe(hostX)
    // every deleted path was printed, and the command read it from the pod's log
    expect(run.logs).toBe('read')
    const out = run.output!
    expect(out.complete).toBe(true)
    expect(out.deleted.map((p) => path.relative(MOUNT, p)).sort()).toEqual([...OLD_TEMP].sort())
    expect(out.removedFolders.map((p) => path.relative(MOUNT, p)).sort()).toEqual([...REMOVED_FOLDERS].sort())

    const [cron] = cronJobs()
    expect(cron).toMatchObject({apiVersion: 'batch/v1', metadata: {name: 'srs-cleanup-pvc-nas'}, spec: {schedule: '0 3 29 2 *', concurrencyPolicy: 'Forbid'}})
  })

  test('a second run updates the same CronJob in place', async () => {
    const [before] = cronJobs()
    const r = await cleanup(['--schedule', '30 4 29 2 *', '--older-than', '12h', '-o', 'json'])
    expect(r.code).toBe(0)
    expect(r.report!.cronJobs).toMatchObject([{name: 'srs-cleanup-pvc-nas', action: 'updated', schedule: '30 4 29 2 *', olderThan: '12h'}])
    const after = cronJobs()
    expect(after).toHaveLength(1)
    expect(after[0]!.metadata.uid).toBe(before!.metadata.uid)
    expect(after[0]!.spec.schedule).toBe('30 4 29 2 *')
    const again = await cleanup(['--schedule', '30 4 29 2 *', '--older-than', '12h', '-o', 'json'])
    expect(again.report!.cronJobs[0]!.action).toBe('unchanged')
  })

  test("--status shows the CronJob, its last schedule and the last Job's result", async () => {
    const r = await cleanup(['--status', '-o', 'json'])
    expect(r.code).toBe(0)
    expect(r.report!.status).toMatchObject([{name: 'srs-cleanup-pvc-nas', claim: 'pvc-nas', schedule: '30 4 29 2 *', olderThan: '12h', path: MOUNT, lastJob: {result: 'Complete', manual: true}}])
    const text = await cleanup(['--status'])
    expect(text.stdout).toMatch(/last schedule: never/)
    expect(text.stdout).toMatch(/last job: srs-cleanup-pvc-nas-now-\S+ \(manual\) Complete/)
  })

  test("a run that fails (the folder is not there) exits 1 with the pod's exit code", async () => {
    const r = await cleanup(['--pvc', 'pvc-nas', '--path', `${MOUNT}/no such folder`, '--now', '--schedule', '30 4 29 2 *', '--older-than', '12h'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/cronjob.batch\/srs-cleanup-pvc-nas updated: claim pvc-nas at \/usr\/local\/srs\/objs\/nginx\/html, cleaning \/usr\/local\/srs\/objs\/nginx\/html\/no such folder/)
    expect(r.stdout).toMatch(/job srs-cleanup-pvc-nas-now-\S+: Failed, exit code 2/)
    expect(cronJobs()).toHaveLength(1)
    for (const f of KEPT) expect([f, fs.existsSync(path.join(vol, f))]).toEqual([f, true])
  })

  test('--delete removes the CronJob, its Jobs and those of --now --dry-run', async () => {
    const dryRuns = cleanupJobs().filter((j) => j.startsWith('srs-cleanup-pvc-nas-dry-'))
    expect(dryRuns).toHaveLength(2)
    const r = await cleanup(['--pvc', 'pvc-nas', '--delete'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('cronjob.batch/srs-cleanup-pvc-nas deleted')
    for (const j of dryRuns) expect(r.stdout).toContain(`job.batch/${j} deleted`)
    await eventually('CronJob gone', () => cronJobs().length === 0)
    await eventually('every cleanup Job gone', () => cleanupJobs().length === 0)
    const again = await cleanup(['--pvc', 'pvc-nas', '--delete'])
    expect(again.code).toBe(1)
  })
})
