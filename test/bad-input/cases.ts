/**
 * The bad-input table (issue #12, item 5): every flag and argument of every command, taken from
 * the oclif manifest, given nonsense of the kinds its value has. The e2e test runs these cases;
 * `npm run docs:bad-input` renders them into docs/bad-input.md, and a unit test fails when the
 * committed doc differs from what this module renders. A flag with no kind here fails that unit
 * test too, so a new flag cannot be left out.
 */

export interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  char?: string
  options?: string[]
  multiple?: boolean
  allowNo?: boolean
}

export interface Manifest {
  commands: Record<string, {flags: Record<string, ManifestFlag>; args: Record<string, {name: string}>}>
}

/** What a value means, which decides the nonsense it gets and what the error must say is accepted. */
export type ValueKind =
  | 'boolean'
  | 'count'
  | 'duration'
  | 'percent'
  | 'k8s-name'
  | 'namespace'
  | 'kubeconfig-name'
  | 'kubeconfig-path'
  | 'choice'
  | 'tag'
  | 'image'
  | 'repository'
  | 'selector'
  | 'stream'
  | 'rule'
  | 'age'
  | 'cron'
  | 'abs-path'
  | 'shell'
  | 'api-user'
  | 'api-password-file'
  | 'impersonation'
  | 'client-id'
  | 'steps'

/** The nonsense every kind is tried with, by label. */
export const NONSENSE = {
  empty: '',
  negative: '-1',
  huge: '99999999999999999999',
  'non-numeric': 'abc',
  unicode: 'ünï💥',
  'shell metacharacters': '$(rm -rf /);`id`|&',
  'not DNS-1123': 'Bad_Name.',
  'too long': 'a'.repeat(254),
  'no unit': '5',
  'negative duration': '-1s',
  'unknown unit': '1y',
  'huge duration': '99999999h',
  'over 100': '101',
  'with a value': 'yes',
} as const
type Label = keyof typeof NONSENSE

interface KindSpec {
  /** What the flag accepts, as the doc says it. */
  accepts: string
  /** The error (message + hint) must match this: it says what is accepted. */
  says: RegExp
  nonsense: Label[]
  /** Values that look odd but are documented as valid (rendered in the doc, checked with --dry-run where possible). */
  valid?: string[]
}

const GENERIC: Label[] = ['empty', 'unicode', 'shell metacharacters']

export const KINDS: Record<ValueKind, KindSpec> = {
  boolean: {accepts: 'no value (`--flag`, or `--no-flag` where offered)', says: /takes no value.*switch alone/s, nonsense: ['with a value']},
  count: {accepts: "a whole number in the flag's range", says: /use a number from \d+ to \d+/, nonsense: [...GENERIC, 'negative', 'huge', 'non-numeric']},
  duration: {
    accepts: 'a duration with a unit: 500ms, 30s, 5m, 1h, 1h30m (0 = no limit where the flag says so)',
    says: /30s, 5m|for example --timeout|at most 8760h/,
    nonsense: [...GENERIC, 'non-numeric', 'no unit', 'negative duration', 'unknown unit', 'huge duration'],
  },
  percent: {accepts: 'a number from 0 to 100, "%" allowed', says: /from 0 to 100/, nonsense: [...GENERIC, 'negative', 'non-numeric', 'over 100', 'huge'], valid: ['0', '25%']},
  'k8s-name': {accepts: 'a Kubernetes object name (DNS-1123 subdomain, at most 253 characters)', says: /lower-case letters, digits/, nonsense: [...GENERIC, 'not DNS-1123', 'too long']},
  namespace: {accepts: 'a namespace name (DNS-1123 label, at most 63 characters)', says: /lower-case letters, digits/, nonsense: [...GENERIC, 'not DNS-1123', 'too long']},
  'kubeconfig-name': {accepts: 'a name that exists in the kubeconfig', says: /known (contexts|clusters|users)|leave the flag out/, nonsense: [...GENERIC, 'not DNS-1123']},
  'kubeconfig-path': {accepts: 'the path of a readable kubeconfig file', says: /path of a (readable )?kubeconfig file/, nonsense: [...GENERIC]},
  choice: {accepts: 'one of the listed values', says: /one of: /, nonsense: [...GENERIC, 'non-numeric']},
  tag: {accepts: 'an image tag: letters, digits, "_", "." and "-", up to 128 characters', says: /tags are letters, digits/, nonsense: [...GENERIC, 'negative', 'too long']},
  image: {accepts: 'an image reference (registry/repository:tag or @digest)', says: /for example .*(--image )?\S+[:/]/, nonsense: [...GENERIC, 'negative']},
  repository: {accepts: 'an image repository (registry/owner/name, no tag)', says: /repository/, nonsense: [...GENERIC, 'negative']},
  selector: {accepts: 'a label selector (key=value, key!=value, key in (a,b), key, !key; comma-separated)', says: /label selector|for example -l/, nonsense: [...GENERIC, 'not DNS-1123']},
  stream: {accepts: 'app/name or name', says: /app\/name/, nonsense: [...GENERIC]},
  rule: {accepts: 'a rule id of `kubectl srs doctor`', says: /rules: /, nonsense: [...GENERIC, 'non-numeric']},
  age: {accepts: 'whole minutes, hours or days: 90m, 12h, 3d', says: /use m, h or d|at least 1m|at most 3650d/, nonsense: [...GENERIC, 'negative', 'non-numeric', 'no unit', 'unknown unit', 'huge']},
  cron: {accepts: 'a 5-field cron schedule', says: /use 5 fields/, nonsense: [...GENERIC, 'non-numeric', 'negative']},
  'abs-path': {accepts: 'an absolute folder other than /, no "." or ".." segments', says: /absolute|\/ would clean|segments|control characters/, nonsense: [...GENERIC, 'non-numeric']},
  'api-user': {accepts: 'the SRS http_api username (no ":"), given with --api-password-file', says: /--api-password-file|api-user admin/, nonsense: [...GENERIC]},
  'api-password-file': {accepts: 'a readable file holding the SRS http_api password (or - for stdin), given with --api-user', says: /--api-user/, nonsense: [...GENERIC]},
  impersonation: {accepts: 'a user, group or uid to impersonate, in printable ASCII (it travels in an HTTP header)', says: /to impersonate .*or leave the flag out/, nonsense: ['empty', 'unicode']},
  'client-id': {accepts: 'an SRS client id (letters and digits, as `kubectl srs clients` lists them), or POD/ID', says: /client ids are letters and digits/, nonsense: [...GENERIC]},
  steps: {accepts: 'increasing weights from 1 to 99, comma-separated: 10,25,50', says: /increasing weights from 1 to 99/, nonsense: [...GENERIC, 'negative', 'non-numeric', 'over 100', 'huge']},
  shell: {accepts: 'bash, zsh, fish or kubectl', says: /use one of: bash, zsh, fish, kubectl/, nonsense: [...GENERIC, 'non-numeric']},
}

/** The kind of each flag by name; `command:flag` entries take precedence. */
export const FLAG_KINDS: Record<string, ValueKind> = {
  namespace: 'namespace',
  kubeconfig: 'kubeconfig-path',
  context: 'kubeconfig-name',
  cluster: 'kubeconfig-name',
  user: 'kubeconfig-name',
  as: 'impersonation',
  'as-group': 'impersonation',
  'as-uid': 'impersonation',
  'request-timeout': 'duration',
  timeout: 'duration',
  'pod-timeout': 'duration',
  'kubelet-sync': 'duration',
  interval: 'duration',
  'drain-budget': 'duration',
  'handoff-after': 'duration',
  count: 'count',
  replicas: 'count',
  'to-revision': 'count',
  concurrency: 'count',
  'max-unavailable': 'count',
  'max-retention-drop': 'count',
  'max-kbps-drop': 'count',
  'max-cpu-increase': 'count',
  'max-memory-increase': 'count',
  steps: 'steps',
  output: 'choice',
  'fail-on': 'choice',
  percent: 'percent',
  to: 'tag',
  image: 'image',
  'srs-image': 'repository',
  selector: 'selector',
  stream: 'stream',
  skip: 'rule',
  pvc: 'k8s-name',
  'older-than': 'age',
  schedule: 'cron',
  path: 'abs-path',
  'api-user': 'api-user',
  'api-password-file': 'api-password-file',
  'api-secret': 'k8s-name',
  type: 'choice',
  // arguments
  workload: 'k8s-name',
  shell: 'shell',
  'client-id': 'client-id',
}

/** Flags that replace others of the base invocation when tested (`--image` instead of `--to`). */
const REPLACES: Record<string, string[]> = {'canary:image': ['to'], 'canary:steps': ['percent']}

/** A valid invocation of each command that the flag under test is added to (replacing the same flag). */
export function baseArgv(command: string, namespace: string): string[] {
  const base: Record<string, string[]> = {
    canary: ['srs-edge-deploy', '--to', 'v4.0.6', '--percent', '25'],
    promote: ['srs-edge-deploy'],
    rollback: ['srs-edge-deploy'],
    'add-origin': ['srs-origin'],
    'remove-origin': ['srs-origin'],
    'sync-origins': ['srs-origin'],
    reload: ['srs-edge-deploy'],
    status: [],
    top: [],
    streams: [],
    clients: [],
    kick: ['--stream', 'live/livestream', '--dry-run'],
    doctor: [],
    cleanup: ['--dry-run'],
    completion: ['bash'],
  }
  if (!(command in base)) throw new Error(`no valid invocation of "${command}" in test/bad-input/cases.ts baseArgv: add one`)
  return [command, ...base[command]!, ...(command === 'completion' ? [] : ['-n', namespace])]
}

export interface BadInputCase {
  /** "canary --percent: over 100" */
  id: string
  command: string
  /** "--percent", or "<workload>" for an argument. */
  target: string
  kind: ValueKind
  label: string
  value: string
  /** The words (flag or argument) the error must name. */
  names: RegExp
  says: RegExp
  /** Arguments after `kubectl srs`, with NAMESPACE standing for the test's namespace. */
  argv: string[]
}

export const NAMESPACE = 'NAMESPACE'

function kindOf(command: string, name: string): ValueKind | undefined {
  return FLAG_KINDS[`${command}:${name}`] ?? FLAG_KINDS[name]
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Removes `--flag value` / `-c value` / `--flag=value` / a positional argument from a base argv. */
function without(argv: string[], flag: ManifestFlag | undefined, argIndex?: number): string[] {
  const out = [...argv]
  if (flag) {
    const i = out.findIndex((a) => a === `--${flag.name}` || (flag.char && a === `-${flag.char}`))
    if (i >= 0) out.splice(i, flag.type === 'boolean' ? 1 : 2)
  }
  if (argIndex !== undefined) out.splice(1 + argIndex, 1)
  return out
}

/** Every case, in a stable order: command, then flag/argument, then nonsense label. Throws for a flag with no kind. */
export function badInputCases(manifest: Manifest): BadInputCase[] {
  const cases: BadInputCase[] = []
  const missing: string[] = []
  for (const command of Object.keys(manifest.commands).sort()) {
    const spec = manifest.commands[command]!
    const base = baseArgv(command, NAMESPACE)
    const args = Object.keys(spec.args ?? {})
    args.forEach((arg, index) => {
      const kind = kindOf(command, arg)
      if (!kind) return missing.push(`${command} <${arg}>`)
      // the argument is the first word after the command in every base invocation that has one
      const rest = base.length > 1 && !base[1]!.startsWith('-') ? without(base, undefined, index) : base
      for (const label of KINDS[kind].nonsense) {
        const value = NONSENSE[label]
        if (value.startsWith('-')) continue // a leading "-" makes it a flag, not an argument
        cases.push({id: `${command} <${arg}>: ${label}`, command, target: `<${arg}>`, kind, label, value, names: new RegExp(escape(arg)), says: KINDS[kind].says, argv: [rest[0]!, value, ...rest.slice(1)]})
      }
    })
    for (const flag of Object.values(spec.flags).sort((a, b) => a.name.localeCompare(b.name))) {
      if (flag.name === 'help' || flag.name === 'version') continue
      const kind = flag.type === 'boolean' ? 'boolean' : kindOf(command, flag.name)
      if (!kind) {
        missing.push(`${command} --${flag.name}`)
        continue
      }
      let rest = without(base, flag)
      for (const other of REPLACES[`${command}:${flag.name}`] ?? []) rest = without(rest, spec.flags[other])
      for (const label of KINDS[kind].nonsense) {
        const value = NONSENSE[label]
        cases.push({id: `${command} --${flag.name}: ${label}`, command, target: `--${flag.name}`, kind, label, value, names: new RegExp(`--${escape(flag.name)}\\b`), says: KINDS[kind].says, argv: [...rest, `--${flag.name}=${value}`]})
      }
    }
  }
  if (missing.length) throw new Error(`no value kind for ${missing.join(', ')}: add them to FLAG_KINDS in test/bad-input/cases.ts`)
  return cases
}

/** A value as a Markdown table cell: code, with backticks and pipes kept readable. */
function showValue(value: string): string {
  if (value === '') return '(empty)'
  if (/^(.)\1{20,}$/.test(value)) return `\`${value[0]}\` × ${value.length}`
  return `\`\` ${value.replace(/\|/g, '\\|')} \`\``
}

/** docs/bad-input.md, rendered from the cases. */
export function renderBadInputDoc(manifest: Manifest): string {
  const cases = badInputCases(manifest)
  const lines: string[] = []
  lines.push('# Bad input: what every flag refuses')
  lines.push('')
  lines.push('<!-- Generated by `npm run docs:bad-input` from test/bad-input/cases.ts; test/unit/bad-input-doc.test.ts fails when this file is out of date. -->')
  lines.push('')
  lines.push('Every flag and argument of every command (read from the oclif manifest, so a new flag is covered as soon as it exists) is')
  lines.push('given nonsense of the kinds its value can be. Each case must exit **2**, print `error: ...` naming the flag or argument and a')
  lines.push('`hint: ...` (or message) saying what is accepted, and change nothing in the cluster: `test/e2e/bad-input.test.ts` runs them all')
  lines.push("against a namespace holding the guide's origin and edge clusters and compares the resourceVersion of every object before and after.")
  lines.push('Flags are given as `--flag=VALUE`, so an empty value and values starting with `-` reach the flag.')
  lines.push('')
  lines.push(`${cases.length} cases over ${new Set(cases.map((c) => `${c.command} ${c.target}`)).size} flags and arguments of ${Object.keys(manifest.commands).length} commands.`)
  lines.push('')
  lines.push('## Nonsense values')
  lines.push('')
  lines.push('| label | value |')
  lines.push('|---|---|')
  for (const [label, value] of Object.entries(NONSENSE)) lines.push(`| ${label} | ${showValue(value)} |`)
  lines.push('')
  lines.push('## Value kinds')
  lines.push('')
  lines.push('| kind | accepted | nonsense tried | valid although odd |')
  lines.push('|---|---|---|---|')
  for (const [kind, spec] of Object.entries(KINDS)) lines.push(`| ${kind} | ${spec.accepts.replace(/\|/g, '\\|')} | ${spec.nonsense.join(', ')} | ${(spec.valid ?? []).map(showValue).join(', ')} |`)
  lines.push('')
  lines.push('## Flags and arguments')
  lines.push('')
  lines.push('| command | flag or argument | kind | cases |')
  lines.push('|---|---|---|---|')
  const seen = new Map<string, BadInputCase[]>()
  for (const c of cases) seen.set(`${c.command} ${c.target}`, [...(seen.get(`${c.command} ${c.target}`) ?? []), c])
  for (const group of seen.values()) lines.push(`| ${group[0]!.command} | \`${group[0]!.target}\` | ${group[0]!.kind} | ${group.length} |`)
  lines.push('')
  return lines.join('\n')
}

/** The odd-looking values a kind documents as valid, on commands with --dry-run: they must be accepted (exit 0) and change nothing. */
export function validOddCases(manifest: Manifest): {id: string; argv: string[]}[] {
  const out: {id: string; argv: string[]}[] = []
  for (const command of Object.keys(manifest.commands).sort()) {
    const spec = manifest.commands[command]!
    if (!spec.flags['dry-run']) continue
    for (const flag of Object.values(spec.flags)) {
      const kind = flag.type === 'boolean' ? undefined : kindOf(command, flag.name)
      for (const value of (kind && KINDS[kind].valid) || []) {
        out.push({id: `${command} --${flag.name}=${value} --dry-run`, argv: [...without(baseArgv(command, NAMESPACE), flag), `--${flag.name}=${value}`, '--dry-run']})
      }
    }
  }
  return out
}
