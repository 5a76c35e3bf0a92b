/** Turns a plan's refusals (values) into the error the command exits with. */
import {SrsError} from '../errors.js'
import type {Refusal} from './plan.js'

/** Throws the first refusal that applies (with --dry-run, those that refuse only applying are skipped). */
export function refuse(refusals: Refusal[], dryRun = false): void {
  const r = refusals.find((x) => !(dryRun && x.whenApplying))
  if (r) throw new SrsError(r.message, {reason: r.reason, hint: r.hint, exitCode: r.exitCode})
}
