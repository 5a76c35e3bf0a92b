import {Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {outputFlag, positiveDurationFlag, validateName} from '../lib/cli/flags.js'
import {ExitCode} from '../lib/errors.js'
import type {CleanupReport} from '../lib/cleanup/result.js'
import {DEFAULT_IMAGE, DEFAULT_SCHEDULE} from '../lib/cleanup/manifest.js'

export default class Cleanup extends BaseCommand<typeof Cleanup> {
  static override summary = 'Install or run a safe cleanup of HLS/DVR temporary files on the origin volume.'
  static override description = `Creates or updates one batch/v1 CronJob per volume (srs-cleanup-<claim>; concurrencyPolicy Forbid, 3 successful and 3 failed Jobs kept, finished Jobs removed after a day) whose container deletes only SRS's temporary files — *.ts, *.ts.tmp, *.m3u8, *.m3u8.temp, *.flv.tmp, *.mp4.tmp — older than --older-than, then the folders that this emptied. It uses find -xdev -type f: symlinks are never followed nor deleted, other file systems are not entered, finished DVR recordings (.flv, .mp4) and static files never match, and every deleted path is printed.

By default the claim, its mount path and the folder come from the SRS workloads of the namespace: every PersistentVolumeClaim the SRS container mounts, and the HLS and DVR folders srs.conf puts on it (hls_path, dvr_path). The command prints what it inferred.

The folder is handed to the script as a positional parameter, never written into it; relative paths, "/" and "." or ".." segments are refused.

Exit status: 0 done, 1 the Job failed or the API refused, 2 bad flags (nothing changed), 3 the Job did not finish within --timeout.`
  static override examples = [
    {description: 'Install the daily cleanup (01:15) of every volume the SRS workloads use, files older than 3 days', command: '<%= config.bin %> cleanup -n live'},
    {description: 'Hourly, for one claim, HLS files older than 6 hours', command: '<%= config.bin %> cleanup --pvc pvc-nas --older-than 6h --schedule "0 * * * *"'},
    {description: 'See what a run would delete, without installing or deleting anything', command: '<%= config.bin %> cleanup --pvc pvc-nas --now --dry-run'},
    {description: 'Run it once now and wait for the result', command: '<%= config.bin %> cleanup --now'},
    {description: 'Last schedule and last result', command: '<%= config.bin %> cleanup --status'},
    {description: 'Remove the CronJob of one claim and its Jobs, dry runs included', command: '<%= config.bin %> cleanup --pvc pvc-nas --delete'},
  ]
  static override flags = {
    pvc: Flags.string({description: 'PersistentVolumeClaim to clean (default: every claim the SRS containers mount).', helpValue: '<claim>'}),
    path: Flags.string({description: 'Absolute folder to clean, as the SRS container sees the volume (default: the HLS/DVR folder on it, else the mount path).', helpValue: '<dir>'}),
    'older-than': Flags.string({description: 'Delete files last modified more than this long ago: minutes, hours or days (90m, 12h, 3d).', default: '3d', helpValue: '<age>'}),
    schedule: Flags.string({description: "Cron schedule, 5 fields, in the cluster's time zone.", default: DEFAULT_SCHEDULE, helpValue: '<cron>'}),
    image: Flags.string({description: 'Image with /bin/sh and find (busybox, alpine, debian...).', default: DEFAULT_IMAGE, helpValue: '<image>'}),
    now: Flags.boolean({description: "Also run it once now, as a Job made from the CronJob's template, and wait for the result."}),
    'dry-run': Flags.boolean({description: 'Print the CronJob and change nothing; with --now, a Job lists what it would delete and deletes nothing.'}),
    delete: Flags.boolean({description: 'Remove the cleanup CronJob (of --pvc, else all of the namespace) and its Jobs, those of --now --dry-run included.', exclusive: ['now', 'status', 'dry-run']}),
    status: Flags.boolean({description: 'Show the cleanup CronJobs, their last schedule and last result.', exclusive: ['now', 'dry-run']}),
    timeout: positiveDurationFlag({description: 'Time to wait for the Job with --now.', default: 300_000}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
  }

  public async run(): Promise<CleanupReport> {
    const {flags} = this
    const {parseOlderThan, validateSchedule, validateCleanupPath, validateImage} = await import('../lib/cleanup/validate.js')
    // Every input is checked before the cluster is asked anything.
    if (flags.pvc !== undefined) validateName(flags.pvc, 'value for --pvc')
    const path = flags.path === undefined ? undefined : validateCleanupPath(flags.path)
    const olderThanMinutes = parseOlderThan(flags['older-than'])
    const schedule = validateSchedule(flags.schedule)
    const image = validateImage(flags.image)
    const kube = await this.kube()
    const {runCleanup} = await import('../lib/cleanup/operation.js')
    const {renderCleanup} = await import('../lib/view/cleanup-view.js')
    const result = await runCleanup(
      kube,
      {
        namespace: kube.namespace,
        action: flags.status ? 'status' : flags.delete ? 'delete' : 'install',
        pvc: flags.pvc,
        path,
        schedule,
        olderThan: flags['older-than'],
        olderThanMinutes,
        image,
        // oclif leaves a switch that was not given undefined, whatever its type says.
        now: Boolean(flags.now),
        dryRun: Boolean(flags['dry-run']),
        timeoutMs: flags.timeout,
      },
      {
        note: (line) => process.stderr.write(`${line}\n`),
        begin: async (text) => {
          const spinner = await this.spinner(text, flags.output)
          return () => spinner.stop()
        },
      },
    )
    await this.emit(result, flags.output, renderCleanup)
    if (result.runs?.some((r) => r.phase === 'Failed')) process.exitCode = ExitCode.Failed
    return result
  }
}
