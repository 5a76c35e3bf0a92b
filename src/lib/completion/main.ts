/**
 * `kubectl_complete-srs` and `kubectl srs completion __complete`: answer one completion request
 * on stdout. Never fails loudly: whatever goes wrong, the shell gets a directive and no noise.
 */
import {complete, Directive, formatCompletion, type CommandSpec, type FlagSpec} from './complete.js'
import {clusterLookups} from './cluster.js'

const TOTAL_TIMEOUT_MS = 10_000

export async function answerCompletion(words: readonly string[], specs: {commands: CommandSpec[]; globals: FlagSpec[]}): Promise<void> {
  // kubectl passes the words after "srs"; cobra-style callers put "__complete" first.
  const args = words[0] === '__complete' ? words.slice(1) : words
  let out: string
  try {
    const answer = complete(args.length ? args : [''], specs.commands, specs.globals, clusterLookups)
    // A TAB waits at most this long, whatever the cluster or the credential plugin does.
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('too slow')), TOTAL_TIMEOUT_MS).unref())
    out = formatCompletion(await Promise.race([answer, late]))
  } catch {
    out = formatCompletion({candidates: [], directive: Directive.NoFileComp})
  }
  await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()))
}
