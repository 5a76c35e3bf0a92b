/**
 * Credentials for SRS's HTTP API basic auth (`http_api { auth { ... } }`, SRS 5.0.152+ /
 * 6.0.40+). In order: --api-user with --api-password-file, or --api-secret (a Secret with
 * `username` and `password` keys in the workload's namespace), else what the workload itself
 * configures (srs.conf in its ConfigMap, or literal SRS_HTTP_API_AUTH_* env; env wins as in SRS).
 * Passwords stay in this object and the Authorization header: never in output, logs or errors.
 */
import {readFileSync} from 'node:fs'
import {KubeApiError, UsageError} from '../../errors.js'
import type {KubeClient} from '../../kube/client.js'
import type {Secret} from '../../kube/types.js'
import {Resources} from '../../kube/resources.js'
import type {WorkloadModel} from '../topology.js'

export type SrsCredentialSource = 'flags' | 'secret' | 'workload'

export interface SrsApiCredentials {
  username: string
  password: string
  source: SrsCredentialSource
  /** For people: "--api-user/--api-password-file", "Secret srs-api", "ConfigMap srs-conf key srs.conf". */
  from: string
  /**
   * The workload's own srs.conf or env turn http_api auth on, so its pods can only answer 401
   * through the pod proxy: podTransport goes to the port-forward at once instead of paying that
   * 401 first. Unset when only the flags or a Secret say there are credentials.
   */
  authOnInConfig?: boolean
}

/** What the command line says about credentials. */
export interface SrsCredentialFlags {
  apiUser?: string
  apiPasswordFile?: string
  apiSecret?: string
}

/** The part of -o json that says where credentials came from (no password). */
export interface SrsApiAuthReport {
  username: string
  source: SrsCredentialSource
  from: string
}

export function authReport(c: SrsApiCredentials | undefined): SrsApiAuthReport | null {
  return c ? {username: c.username, source: c.source, from: c.from} : null
}

/** SRS splits "user:password" at every ":" and wants exactly two parts. */
function checkNoColon(value: string, what: string): void {
  if (value.includes(':')) {
    throw new UsageError(`${what} contains ":", which SRS's basic auth cannot take (it splits user:password at every ":")`, `use credentials without ":" in srs.conf and here`)
  }
}

/** Validates the flags before anything is asked of the cluster (exit 2 on nonsense). */
export type SrsCredentialChoice = SrsApiCredentials | {secret: string} | undefined

export function readCredentialFlags(flags: SrsCredentialFlags): SrsCredentialChoice {
  const {apiUser, apiPasswordFile, apiSecret} = flags
  if (apiSecret !== undefined && (apiUser !== undefined || apiPasswordFile !== undefined)) {
    throw new UsageError('--api-secret cannot be used with --api-user or --api-password-file', 'pick one way to give the SRS API credentials')
  }
  if (apiSecret !== undefined) {
    if (apiSecret.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(apiSecret)) {
      throw new UsageError(
        `invalid value for --api-secret: "${apiSecret}" is not a valid Secret name`,
        'name a Secret (lower-case letters, digits, "-" and ".", at most 253 characters) with username and password keys in the namespace of the SRS workloads',
      )
    }
    return {secret: apiSecret}
  }
  if (apiUser === undefined && apiPasswordFile === undefined) return undefined
  if (apiUser === '') throw new UsageError('--api-user is empty', 'give the SRS http_api username, for example --api-user admin --api-password-file ./srs-api-password')
  if (apiUser === undefined) throw new UsageError('--api-password-file needs --api-user', 'for example --api-user admin --api-password-file ./srs-api-password')
  if (apiPasswordFile === undefined) {
    throw new UsageError('--api-user needs --api-password-file (passwords are not taken on the command line)', 'for example --api-user admin --api-password-file ./srs-api-password, or --api-secret NAME')
  }
  let password: string
  try {
    password = readFileSync(apiPasswordFile === '-' ? 0 : apiPasswordFile, 'utf8').replace(/\r?\n$/, '')
  } catch (error) {
    throw new UsageError(`cannot read --api-password-file ${apiPasswordFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give a file that holds the SRS API password (one line)')
  }
  if (password === '') throw new UsageError(`--api-password-file ${apiPasswordFile} is empty`, 'put the SRS API password in the file (one line)')
  checkNoColon(apiUser, '--api-user')
  checkNoColon(password, `the password in ${apiPasswordFile}`)
  return {username: apiUser, password, source: 'flags', from: '--api-user/--api-password-file'}
}

/**
 * Gives every workload its credentials: the flags' for all, or the Secret of the workload's
 * namespace (read once per namespace), else the workload's own.
 */
export class SrsCredentialResolver {
  private readonly secrets = new Map<string, Promise<SrsApiCredentials>>()
  /** `given` is what readCredentialFlags made of the flags (validated before the cluster is asked). */
  constructor(
    private readonly kube: Pick<KubeClient, 'get'>,
    private readonly given: SrsCredentialChoice,
  ) {}

  async forWorkload(w: Pick<WorkloadModel, 'namespace' | 'apiAuth'> & Partial<Pick<WorkloadModel, 'apiAuthOn'>>): Promise<SrsApiCredentials | undefined> {
    const found = await this.find(w)
    // A copy per workload: the given credentials are shared, whether auth is on is not.
    return found && (w.apiAuthOn ? {...found, authOnInConfig: true} : found)
  }

  private async find(w: Pick<WorkloadModel, 'namespace' | 'apiAuth'>): Promise<SrsApiCredentials | undefined> {
    if (this.given && 'password' in this.given) return this.given
    if (this.given) {
      const name = this.given.secret
      let pending = this.secrets.get(w.namespace)
      if (!pending) {
        pending = this.readSecret(w.namespace, name)
        this.secrets.set(w.namespace, pending)
      }
      return pending
    }
    if (w.apiAuth) return {username: w.apiAuth.username, password: w.apiAuth.password, source: 'workload', from: w.apiAuth.from}
    return undefined
  }

  private async readSecret(namespace: string, name: string): Promise<SrsApiCredentials> {
    let secret: Secret
    try {
      secret = await this.kube.get<Secret>(Resources.secrets, name, namespace)
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        throw new UsageError(`--api-secret: Secret "${name}" not found in namespace "${namespace}"`, `create it with: kubectl create secret generic ${name} -n ${namespace} --from-literal=username=USER --from-file=password=FILE`)
      }
      throw error
    }
    const decode = (key: string): string | undefined => {
      const data = secret.data?.[key]
      return data === undefined ? secret.stringData?.[key] : Buffer.from(data, 'base64').toString('utf8')
    }
    const username = decode('username')
    const password = decode('password')
    const missing = [username ? undefined : 'username', password ? undefined : 'password'].filter(Boolean)
    if (missing.length > 0) {
      throw new UsageError(`--api-secret: Secret "${name}" in namespace "${namespace}" has no ${missing.join(' or ')} key`, 'the Secret needs the keys username and password (those of http_api.auth in srs.conf)')
    }
    checkNoColon(username!, `the username in Secret "${name}"`)
    checkNoColon(password!, `the password in Secret "${name}"`)
    return {username: username!, password: password!, source: 'secret', from: `Secret ${name}`}
  }
}
