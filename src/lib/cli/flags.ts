import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {formatDuration, parseDuration} from './duration.js'

/**
 * A kubectl-style duration flag ("30s", "5m", "1h"); the value is milliseconds. Help shows the
 * default as the user would write it ("5m", not 300000, which the flag refuses).
 */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  async defaultHelp({options}) {
    return options.default === undefined ? undefined : formatDuration(options.default as number)
  },
  async parse(input, _ctx, opts) {
    return parseDuration(input, opts.name)
  },
})

/**
 * A duration flag that must be more than 0 (a wait that cannot be "no limit"). The hint shows the
 * flag's default, so each command keeps its own example ("--timeout 5s", "--timeout 5m").
 */
export const positiveDurationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  async defaultHelp({options}) {
    return options.default === undefined ? undefined : formatDuration(options.default as number)
  },
  async parse(input, _ctx, opts) {
    const ms = parseDuration(input, opts.name)
    if (ms <= 0) {
      const example = typeof opts.default === 'number' ? formatDuration(opts.default) : '30s'
      throw new UsageError(`invalid value for --${opts.name}: it must be more than 0`, `for example --${opts.name} ${example}`)
    }
    return ms
  },
})

/** -A/--all-namespaces; refused together with --namespace (oclif checks it, BaseCommand words the error). */
export function allNamespacesFlag(description: string) {
  return Flags.boolean({char: 'A', description, exclusive: ['namespace']})
}

/** -o/--output with the formats a command supports. */
export function outputFlag<const F extends string>(formats: readonly F[], def: F) {
  return Flags.option({
    char: 'o',
    description: `Output format.`,
    options: formats,
    default: def,
  })()
}

/** A positive whole number flag with a clear message for nonsense ("0", "-1", "abc", "1e9"). */
export function countFlag(opts: {description: string; default?: number; min?: number; max?: number; char?: 'c'}) {
  const min = opts.min ?? 1
  const max = opts.max ?? 1000
  return Flags.custom<number>({
    description: opts.description,
    default: opts.default,
    char: opts.char,
    helpValue: '<n>',
    async parse(input, _ctx, o) {
      if (!/^\d+$/.test(input.trim())) throw new UsageError(`invalid value for --${o.name}: "${input}" is not a whole number`, `use a number from ${min} to ${max}`)
      const n = Number(input.trim())
      if (n < min || n > max) throw new UsageError(`invalid value for --${o.name}: ${n} is out of range`, `use a number from ${min} to ${max}`)
      return n
    },
  })()
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Validates a Kubernetes object name (DNS-1123 subdomain) given as an argument or flag. */
export function validateName(value: string, what: string): string {
  if (value.length === 0 || value.length > 253 || !value.split('.').every((part) => DNS1123_LABEL.test(part))) {
    throw new UsageError(`invalid ${what}: "${value}" is not a valid Kubernetes name`, 'names are lower-case letters, digits, "-" and ".", start and end with a letter or digit, at most 253 characters')
  }
  return value
}

/** Validates a namespace (DNS-1123 label). */
export function validateNamespace(value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new UsageError(`invalid value for --namespace: "${value}" is not a valid namespace name`, 'namespaces are lower-case letters, digits and "-", at most 63 characters')
  }
  return value
}

/**
 * Credentials for SRS's http_api basic auth, on every command that asks the SRS API of pods.
 * Without them, the workload's own srs.conf / SRS_HTTP_API_AUTH_* env are used when they hold some.
 */
export const srsApiAuthFlags = {
  'api-user': Flags.string({
    description: 'Username for SRS http_api basic auth (with --api-password-file). Pods that answer 401 through the pod proxy are then asked through a port-forward.',
    helpGroup: 'SRS API',
    helpValue: '<user>',
  }),
  'api-password-file': Flags.string({
    description: 'File holding the SRS http_api password (one line; "-" reads stdin). Passwords are never taken on the command line.',
    helpGroup: 'SRS API',
    helpValue: '<path>',
  }),
  'api-secret': Flags.string({
    description: "Secret with the keys username and password, in each SRS workload's namespace, for SRS http_api basic auth (needs RBAC get on that Secret).",
    helpGroup: 'SRS API',
    helpValue: '<name>',
  }),
}

export function credentialFlagsOf(flags: {'api-user'?: string; 'api-password-file'?: string; 'api-secret'?: string}) {
  return {apiUser: flags['api-user'], apiPasswordFile: flags['api-password-file'], apiSecret: flags['api-secret']}
}

const SELECTOR_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
const SELECTOR_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/

/**
 * Validates a label selector as kubectl's -l takes it (key=value, key==value, key!=value,
 * key in (a,b), key notin (a,b), key, !key; comma-separated), so nonsense is refused before any
 * request instead of coming back from the apiserver as a failure.
 */
export function validateSelector(value: string, flag = 'selector'): string {
  const bad = (why: string) => new UsageError(`invalid value for --${flag}: "${value}" is not a label selector (${why})`, 'for example -l app=srs-edge, -l app!=nginx, -l "tier in (edge,origin)", -l app')
  if (value.trim() === '') throw bad('it is empty')
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of value) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (depth < 0) throw bad('unbalanced parentheses')
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  if (depth !== 0) throw bad('unbalanced parentheses')
  parts.push(cur)
  for (const raw of parts) {
    const part = raw.trim()
    let m: RegExpExecArray | null
    if ((m = /^(!?)\s*([^\s=!()]+)$/.exec(part))) {
      if (!SELECTOR_NAME.test(m[2]!)) throw bad(`"${m[2]}" is not a label key`)
    } else if ((m = /^([^\s=!()]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part))) {
      if (!SELECTOR_NAME.test(m[1]!)) throw bad(`"${m[1]}" is not a label key`)
      if (!SELECTOR_VALUE.test(m[3]!)) throw bad(`"${m[3]}" is not a label value`)
    } else if ((m = /^([^\s=!()]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      if (!SELECTOR_NAME.test(m[1]!)) throw bad(`"${m[1]}" is not a label key`)
      for (const v of m[3]!.split(',')) if (!SELECTOR_VALUE.test(v.trim())) throw bad(`"${v.trim()}" is not a label value`)
    } else {
      throw bad(`cannot read "${part}"`)
    }
  }
  return value
}

const REPOSITORY = /^(?:[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(?:\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/

/** --srs-image: an image repository (registry/owner/name), repeatable; no tag or digest. */
export const repositoryFlag = Flags.custom<string>({
  async parse(input, _ctx, opts) {
    if (input.length > 255 || !REPOSITORY.test(input)) {
      throw new UsageError(`invalid value for --${opts.name}: "${input}" is not an image repository`, 'give a repository without tag or digest, for example mycorp/srs or registry.example.com/ossrs/srs')
    }
    return input
  },
})

/**
 * A name to impersonate: any string the apiserver's authenticator knows, but it travels in an
 * HTTP header (Impersonate-User, -Group, -Uid), which carries printable ASCII only — kubectl's Go
 * client refuses the same values ("invalid header field value").
 */
const impersonationValue = (what: string) =>
  Flags.custom<string>({
    helpGroup: 'GLOBAL',
    helpValue: `<${what}>`,
    async parse(input, _ctx, opts) {
      const hint = `give the ${what} to impersonate (for example jane, or system:serviceaccount:NAMESPACE:NAME), or leave the flag out`
      if (input.trim() === '') throw new UsageError(`invalid value for --${opts.name}: it is empty`, hint)
      if (!/^[\x20-\x7e]+$/.test(input)) throw new UsageError(`invalid value for --${opts.name}: "${input}" cannot be sent in an HTTP header (printable ASCII only)`, hint)
      return input
    },
  })

/** kubectl's impersonation flags, global as in kubectl: they replace the kubeconfig user's as, as-groups and as-uid. */
export const impersonationFlags = {
  as: impersonationValue('user')({description: 'Username to impersonate for the operation (a user or a service account).'}),
  'as-group': impersonationValue('group')({description: 'Group to impersonate for the operation; repeat it for several groups.', multiple: true}),
  'as-uid': impersonationValue('uid')({description: 'UID to impersonate for the operation.'}),
}

/** --stream: app/name (live/livestream) or just the name. */
export const STREAM_PATTERN = /^[\w.~-]+(\/[\w.~-]+)?$/
