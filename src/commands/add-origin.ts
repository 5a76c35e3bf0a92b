import {Args} from '@oclif/core'
import {OriginCommand} from '../lib/origin/command.js'
import {countFlag} from '../lib/cli/flags.js'
import {originFlags} from '../lib/origin/cli.js'
import type {OriginChangeResult} from '../lib/origin/result.js'

export default class AddOrigin extends OriginCommand<typeof AddOrigin> {
  static override summary = 'Add origins to the SRS origin cluster and update every coworkers and edge origin list.'
  static override description = `Scales the origin StatefulSet (or clones the highest srs-origin-N-deploy Deployment and srs-origin-N-socs Service), waits until the new origins are Ready and answer the SRS API, then rewrites the coworkers directive of the origin config and the origin directive of every edge config that points at the cluster, changing nothing else in srs.conf. Each ConfigMap is read, edited, validated and written with its resourceVersion; a conflict starts over from a fresh read.

Then it confirms that every SRS pod reading those ConfigMaps applied the new lists: with inotify_auto_reload on, SRS reloads by itself after kubelet projects the file; with http_api.raw_api.allow_reload on, the reload is asked for after --kubelet-sync. SRS 5.0.176+ / 6.0.71+ report it through rpc=reload-fetch; older SRS (4.x) is confirmed by the raw reload answering code 0, or else by the "reload config success" line of its container log. Pods nothing can confirm stay "pending" with the reason, and the command ends with the kubectl srs reload command that finishes them; --restart runs it (Deployments behind surge pods, StatefulSets by ordinal). SRS 7 origins register with the SRS proxy: they are only scaled.

SRS http_api auth: every SRS API request goes through a port-forward with each workload's credentials (--api-user and --api-password-file, --api-secret, or else its own srs.conf or env). Pods that answer 401 stop the command before anything is written (exit 1).

Exit status: 0 when every pod applied the lists, 3 when some are pending or it timed out, 2 for bad input (nothing changed).`
  static override examples = [
    {description: 'One more origin for the only origin cluster of the namespace', command: '<%= config.bin %> add-origin -n live'},
    {description: 'Two origins, the new objects and ConfigMaps printed for Git instead of applied', command: '<%= config.bin %> add-origin srs-origin --count 2 --dry-run -o yaml'},
    {description: 'Origins as Deployments: clones srs-origin-2-deploy into srs-origin-3-deploy', command: '<%= config.bin %> add-origin srs-origin-0-deploy -n live --timeout 10m'},
    {description: 'SRS with http_api auth: reloads confirmed through a port-forward with the credentials of a Secret (keys username, password)', command: '<%= config.bin %> add-origin -n live --api-secret srs-api-auth'},
    {description: 'The guide topology as written (no inotify, no raw API): restart the SRS pods so that they load the new lists', command: '<%= config.bin %> add-origin -n live --restart'},
  ]
  static override args = {workload: Args.string({description: 'The origin StatefulSet or Deployment (default: the only origin cluster of the namespace).'})}
  static override flags = {
    count: countFlag({description: 'Origins to add.', default: 1, max: 100}),
    ...originFlags,
  }

  public async run(): Promise<OriginChangeResult> {
    const {flags, args} = this
    return this.runChange({op: 'add', workload: args.workload, count: flags.count, check: false, force: false, label: 'adding origins'}, flags)
  }
}
