/** The base of add-origin, remove-origin and sync-origins: one run path, three sets of options. */
import type {Command} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {credentialFlagsOf, validateName} from '../cli/flags.js'
import {exitCodeOf, objectsAsYaml} from './cli.js'
import type {OriginChangeResult} from './result.js'

export interface OriginRunFlags {
  output: 'table' | 'json' | 'yaml'
  'dry-run': boolean
  wait: boolean
  timeout: number
  'kubelet-sync': number
  restart: boolean
  yes: boolean
  'request-timeout': number
  'api-user'?: string
  'api-password-file'?: string
  'api-secret'?: string
}

export abstract class OriginCommand<T extends typeof Command> extends BaseCommand<T> {
  protected async runChange(change: {op: 'add' | 'remove' | 'sync'; workload: string | undefined; count: number; check: boolean; force: boolean; label: string}, flags: OriginRunFlags): Promise<OriginChangeResult> {
    if (change.workload !== undefined) validateName(change.workload, 'workload name')
    const stopHook = this.stopHook()
    const {readCredentialFlags} = await import('../srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {runOriginChange} = await import('./run.js')
    const {renderOriginChange} = await import('./render.js')
    const spinner = await this.spinner(change.label, flags.output)
    const result = await runOriginChange(kube, {
      op: change.op,
      namespace: kube.namespace,
      workload: change.workload,
      count: change.count,
      dryRun: flags['dry-run'],
      check: change.check,
      force: change.force,
      wait: flags.wait,
      timeoutMs: flags.timeout,
      kubeletSyncMs: flags['kubelet-sync'],
      requestTimeoutMs: flags['request-timeout'],
      stopHook,
      progress: (t) => spinner.update(t),
      warn: (w) => process.stderr.write(`warning: ${w}\n`),
      apiCredentials,
      restart: flags.restart,
      approve: async (publishers) => {
        if (flags.yes) return true
        spinner.stop()
        const {askYesNo} = await import('../cli/ask.js')
        return askYesNo(`--restart cuts the publishers of ${publishers.map((p) => `${p.streams.join(', ')} on ${p.pod}`).join('; ')}; they will have to reconnect. Restart?`)
      },
    }).finally(() => spinner.stop())
    if (flags['dry-run'] && flags.output === 'yaml') process.stdout.write(await objectsAsYaml(result))
    else await this.emit(result, flags.output, renderOriginChange)
    process.exitCode = exitCodeOf(result)
    return result
  }
}
