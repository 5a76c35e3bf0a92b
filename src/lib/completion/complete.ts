/**
 * Shell completion in cobra's protocol, which kubectl (1.26+) speaks with plugins: kubectl runs
 * `kubectl_complete-srs <words after "srs"...>` (the last word is the one being completed, maybe
 * empty) and reads one candidate per line, an optional TAB and description, then `:<directive>`.
 *
 * This module decides what to offer from the words and a description of the commands; the
 * cluster is reached only through `Lookups`, so the logic runs without one.
 */

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Default: 0,
  Error: 1,
  NoSpace: 2,
  NoFileComp: 4,
} as const

export interface FlagSpec {
  name: string
  char?: string
  /** 'option' flags take a value; 'boolean' flags do not. */
  type: 'option' | 'boolean'
  options?: readonly string[]
  summary?: string
  hidden?: boolean
  allowNo?: boolean
}

export interface CommandSpec {
  id: string
  summary?: string
  hidden?: boolean
  /** Names of the positional arguments, in order. */
  args: string[]
  flags: FlagSpec[]
}

/** The kubeconfig flags found among the words, for the lookups. */
export interface ScopeFlags {
  kubeconfig?: string
  context?: string
  cluster?: string
  user?: string
  namespace?: string
}

export interface Lookups {
  /** Names of the SRS Deployments and StatefulSets in the namespace of these flags. */
  workloads(scope: ScopeFlags): Promise<string[]>
  contexts(scope: ScopeFlags): Promise<string[]>
  namespaces(scope: ScopeFlags): Promise<string[]>
}

export interface Completion {
  candidates: string[]
  directive: number
}

const SHELLS = ['bash', 'zsh', 'fish', 'kubectl'] as const

/** Positional arguments whose values are SRS workloads of the cluster. */
const WORKLOAD_ARGS = new Set(['workload'])

function withDescription(value: string, description?: string): string {
  const d = description?.split('\n')[0]?.replace(/\s+/g, ' ').trim()
  return d ? `${value}\t${d}` : value
}

function findFlag(cmd: CommandSpec | undefined, globals: FlagSpec[], word: string): FlagSpec | undefined {
  const all = [...(cmd?.flags ?? []), ...globals]
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=', 1)[0]!
    return all.find((f) => f.name === name || (f.allowNo && `no-${f.name}` === name))
  }
  if (/^-[^-]$/.test(word) || /^-[^-]=/.test(word)) return all.find((f) => f.char === word[1])
  return undefined
}

/**
 * What to offer for `words` (the last one being completed). `globals` are the flags every
 * command accepts (kubectl's global flags), also before the command.
 */
export async function complete(words: readonly string[], commands: readonly CommandSpec[], globals: FlagSpec[], lookups: Lookups): Promise<Completion> {
  const done = words.slice(0, -1)
  const current = words.at(-1) ?? ''
  const visible = commands.filter((c) => !c.hidden)

  // Walk the finished words: the command, its positionals, and the kubeconfig flags.
  let cmd: CommandSpec | undefined
  const positionals: string[] = []
  const scope: ScopeFlags = {}
  let pending: FlagSpec | undefined
  let afterDashDash = false
  for (const w of done) {
    if (pending) {
      setScope(scope, pending.name, w)
      pending = undefined
      continue
    }
    if (!afterDashDash && w === '--') {
      afterDashDash = true
      continue
    }
    if (!afterDashDash && w.startsWith('-') && w !== '-') {
      const f = findFlag(cmd, globals, w)
      if (f?.type === 'option') {
        const eq = w.indexOf('=')
        if (eq >= 0) setScope(scope, f.name, w.slice(eq + 1))
        else pending = f
      }
      continue
    }
    if (!cmd) cmd = commands.find((c) => c.id === w)
    else positionals.push(w)
  }

  // The value of a flag: after "--flag " or in "--flag=".
  let valueOf = pending
  let prefix = ''
  let partial = current
  if (!valueOf && !afterDashDash && current.startsWith('-') && current.includes('=')) {
    valueOf = findFlag(cmd, globals, current)
    if (valueOf?.type === 'option') {
      prefix = current.slice(0, current.indexOf('=') + 1)
      partial = current.slice(prefix.length)
    } else valueOf = undefined
  }
  if (valueOf) {
    const values = await flagValues(valueOf, scope, lookups)
    if (values === 'files') return {candidates: [], directive: Directive.Default}
    return {candidates: values.filter((v) => v.startsWith(partial)).map((v) => prefix + v), directive: Directive.NoFileComp}
  }

  // Flag names.
  if (!afterDashDash && current.startsWith('-')) {
    const flags = [...(cmd?.flags ?? []), ...globals].filter((f) => !f.hidden)
    const seen = new Set<string>()
    const out: string[] = []
    for (const f of flags) {
      for (const name of [`--${f.name}`, ...(f.allowNo ? [`--no-${f.name}`] : []), ...(f.char && current.length <= 2 && !current.startsWith('--') ? [`-${f.char}`] : [])]) {
        if (seen.has(name) || !name.startsWith(current)) continue
        seen.add(name)
        out.push(withDescription(name, f.summary))
      }
    }
    return {candidates: out, directive: Directive.NoFileComp}
  }

  // The command itself.
  if (!cmd) {
    return {candidates: visible.filter((c) => c.id.startsWith(current)).map((c) => withDescription(c.id, c.summary)), directive: Directive.NoFileComp}
  }

  // Its next positional argument.
  const arg = cmd.args[positionals.length]
  if (cmd.id === 'completion' && positionals.length === 0) {
    return {candidates: SHELLS.filter((s) => s.startsWith(current)), directive: Directive.NoFileComp}
  }
  if (arg && WORKLOAD_ARGS.has(arg)) {
    const names = await lookups.workloads(scope).catch(() => [])
    return {candidates: names.filter((n) => n.startsWith(current)), directive: Directive.NoFileComp}
  }
  return {candidates: [], directive: Directive.NoFileComp}
}

function setScope(scope: ScopeFlags, flag: string, value: string): void {
  if (flag === 'kubeconfig' || flag === 'context' || flag === 'cluster' || flag === 'user' || flag === 'namespace') scope[flag] = value
}

async function flagValues(flag: FlagSpec, scope: ScopeFlags, lookups: Lookups): Promise<string[] | 'files'> {
  if (flag.options?.length) return [...flag.options]
  switch (flag.name) {
    case 'kubeconfig':
      return 'files'
    case 'context':
      return lookups.contexts(scope).catch(() => [])
    case 'namespace':
      return lookups.namespaces(scope).catch(() => [])
    default:
      return []
  }
}

/** The lines kubectl reads: candidates, then ":directive". */
export function formatCompletion(c: Completion): string {
  return [...c.candidates, `:${c.directive}`].join('\n') + '\n'
}
