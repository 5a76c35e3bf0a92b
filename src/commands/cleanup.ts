import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'

export default class Cleanup extends BaseCommand<typeof Cleanup> {
  static override summary = 'Install or run a safe cleanup of HLS/DVR temporary files on the origin volume.'
  static override description = 'Creates a batch/v1 CronJob that deletes only SRS temporary files (*.ts, *.m3u8, *.flv.tmp, *.mp4.tmp) older than a threshold, then empty folders, without following symlinks or leaving the volume.'
  static override examples = [
    '<%= config.bin %> cleanup --older-than 3d',
    '<%= config.bin %> cleanup --pvc pvc-nas --now --dry-run',
  ]

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('cleanup')
  }
}
