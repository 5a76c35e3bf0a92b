import {Flags} from '@oclif/core'
import {durationFlag, srsApiAuthFlags} from './flags.js'

/** Flags every rollout command shares, the SRS API credentials for version checks among them. */
export const rolloutFlags = {
  wait: Flags.boolean({description: 'Wait until pods are Ready, versions verified and old pods drained (--no-wait returns after applying).', default: true, allowNo: true}),
  timeout: durationFlag({description: 'How long to wait in all (0 means no limit); on timeout the command exits 3 and says how to continue.', default: 600_000}),
  'pod-timeout': durationFlag({description: 'Time to wait for each SRS API answer.', default: 5000}),
  ...srsApiAuthFlags,
}
