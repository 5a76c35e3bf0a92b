/** Flags and output shared by add-origin, remove-origin and sync-origins. */
import {Flags} from '@oclif/core'
import {durationFlag, outputFlag, positiveDurationFlag, srsApiAuthFlags} from '../cli/flags.js'
import {ExitCode} from '../errors.js'
import type {OriginChangeResult} from './result.js'

export const originFlags = {
  output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
  'dry-run': Flags.boolean({description: 'Print the plan, and with -o yaml the objects and ConfigMaps as they would be written; change nothing.'}),
  wait: Flags.boolean({description: 'Wait until every SRS pod confirms it loaded the new lists (--no-wait: write and report).', default: true, allowNo: true}),
  timeout: positiveDurationFlag({description: 'Longest time to wait for new origins, reloads and streams to leave.', default: 300_000}),
  'kubelet-sync': durationFlag({
    description: 'Time kubelet may take to project a ConfigMap change into the pods; raw API reloads are asked for after it (kubelet sync period + ConfigMap cache TTL).',
    default: 90_000,
  }),
  restart: Flags.boolean({
    description: 'Restart the SRS pods that cannot load the new lists in place (as kubectl srs reload does: Deployments behind surge pods, StatefulSets by ordinal), within this command.',
  }),
  yes: Flags.boolean({char: 'y', description: 'With --restart: restart origins whose publishers will have to reconnect without asking.'}),
  ...srsApiAuthFlags,
}

/** 0 when everything was confirmed (or only planned, or in sync); 3 when anything is pending or drifted. */
export function exitCodeOf(r: OriginChangeResult): number {
  return r.outcome === 'applied' || r.outcome === 'planned' || r.outcome === 'in-sync' ? ExitCode.Ok : ExitCode.Degraded
}

/** --dry-run -o yaml: the objects as one YAML stream, ready to commit or kubectl apply. */
export async function objectsAsYaml(r: OriginChangeResult): Promise<string> {
  const {toYamlStream} = await import('../cli/yaml.js')
  const head = r.warnings.map((w) => `# warning: ${w}\n`).join('')
  return head + toYamlStream(r.objects ?? [])
}
