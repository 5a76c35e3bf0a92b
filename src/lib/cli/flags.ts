import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {parseDuration} from './duration.js'

/** A kubectl-style duration flag ("30s", "5m", "1h"); the value is milliseconds. */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  async parse(input, _ctx, opts) {
    return parseDuration(input, opts.name)
  },
})

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
    throw new UsageError(
      `invalid ${what}: "${value}" is not a valid Kubernetes name`,
      'names are lower-case letters, digits, "-" and ".", start and end with a letter or digit, at most 253 characters',
    )
  }
  return value
}

/** Validates a namespace (DNS-1123 label). */
export function validateNamespace(value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new UsageError(
      `invalid value for --namespace: "${value}" is not a valid namespace name`,
      'namespaces are lower-case letters, digits and "-", at most 63 characters',
    )
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
