/**
 * Exec credential plugins run as client-go runs them (k8s.io/client-go/plugin/pkg/client/auth/exec):
 * the command (already resolved against its kubeconfig's folder), the kubeconfig's env on top of
 * ours, KUBERNETES_EXEC_INFO with the interactive flag (and the cluster with provideClusterInfo),
 * stdin handed over only when interactive, stderr passed through, and the answer checked for the
 * API version asked. The credential is kept until its expirationTimestamp for the rest of the run.
 * Done here rather than through client-node, whose import alone cost 0.6 s on every exec-based
 * command (EKS, GKE and AKS kubeconfigs).
 */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {SrsError} from '../errors.js'

type Obj = Record<string, unknown>

export interface ExecCredential {
  token?: string
  clientCertificateData?: string
  clientKeyData?: string
  /** ms since the epoch; undefined: valid for the whole run. */
  expiresAt?: number
}

export interface ExecContext {
  userName: string
  contextName: string
  cluster: Obj
  /** stdin is a terminal (interactive plugins need one). */
  stdinIsTTY?: boolean
}

function execInfo(exec: Obj, interactive: boolean, cluster: Obj): string {
  const spec: Obj = {interactive}
  if (exec.provideClusterInfo === true) {
    let caData: string | undefined
    if (typeof cluster['certificate-authority-data'] === 'string' && cluster['certificate-authority-data'] !== '') caData = cluster['certificate-authority-data']
    else if (typeof cluster['certificate-authority'] === 'string' && cluster['certificate-authority'] !== '') {
      try {
        caData = readFileSync(cluster['certificate-authority']).toString('base64')
      } catch {
        caData = undefined
      }
    }
    const extensions = Array.isArray(cluster.extensions) ? (cluster.extensions as Obj[]) : []
    const config = extensions.find((e) => e?.name === 'client.authentication.k8s.io/exec')?.extension
    const c: Obj = {server: cluster.server}
    if (cluster['tls-server-name']) c['tls-server-name'] = cluster['tls-server-name']
    if (cluster['insecure-skip-tls-verify'] === true) c['insecure-skip-tls-verify'] = true
    if (caData) c['certificate-authority-data'] = caData
    if (cluster['proxy-url']) c['proxy-url'] = cluster['proxy-url']
    if (cluster['disable-compression'] === true) c['disable-compression'] = true
    if (config !== undefined) c.config = config
    spec.cluster = c
  }
  return JSON.stringify({kind: 'ExecCredential', apiVersion: exec.apiVersion, spec})
}

export async function runExecPlugin(exec: Obj, ctx: ExecContext): Promise<ExecCredential> {
  const command = String(exec.command)
  const apiVersion = String(exec.apiVersion)
  const mode = typeof exec.interactiveMode === 'string' && exec.interactiveMode !== '' ? exec.interactiveMode : 'IfAvailable'
  const tty = ctx.stdinIsTTY ?? process.stdin.isTTY === true
  const interactive = mode !== 'Never' && tty
  const failed = (what: string, hint?: string) =>
    new SrsError(`getting credentials for user "${ctx.userName}" of context "${ctx.contextName}": exec: ${what}`, {
      reason: 'Unauthorized',
      hint: hint ?? 'run the exec plugin of this user by hand to see why, or refresh its login',
    })
  if (mode === 'Always' && !tty) throw failed('exec plugin cannot support interactive mode: standard input is not a terminal', 'run the command in a terminal, or set interactiveMode: IfAvailable')
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const v of Array.isArray(exec.env) ? (exec.env as Obj[]) : []) env[String(v.name)] = String(v.value ?? '')
  env.KUBERNETES_EXEC_INFO = execInfo(exec, interactive, ctx.cluster)
  const args = Array.isArray(exec.args) ? (exec.args as unknown[]).map(String) : []
  const {code, stdout, error} = await new Promise<{code: number | null; stdout: string; error?: NodeJS.ErrnoException}>((resolve) => {
    const child = spawn(command, args, {env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit']})
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.on('error', (err) => resolve({code: null, stdout: '', error: err}))
    child.on('close', (c) => resolve({code: c, stdout: Buffer.concat(chunks).toString('utf8')}))
  })
  if (error) {
    if (error.code === 'ENOENT') {
      const install = typeof exec.installHint === 'string' && exec.installHint !== '' ? exec.installHint.trim() : `install ${command} or fix the exec command of user "${ctx.userName}"`
      throw failed(`executable ${command} not found`, install)
    }
    throw failed(`executable ${command} could not run: ${error.code ?? error.message}`)
  }
  if (code !== 0) throw failed(`executable ${command} failed with exit code ${code}`)
  let answer: {apiVersion?: string; kind?: string; status?: Obj}
  try {
    answer = JSON.parse(stdout) as typeof answer
  } catch {
    throw failed(`decoding stdout: the output of ${command} is not an ExecCredential (JSON)`)
  }
  if (answer.apiVersion !== apiVersion) throw failed(`exec plugin is configured to use API version ${apiVersion}, plugin returned version ${answer.apiVersion ?? '(none)'}`)
  const status = answer.status
  if (!status) throw failed("exec plugin didn't return a status field")
  const token = typeof status.token === 'string' && status.token !== '' ? status.token : undefined
  const cert = typeof status.clientCertificateData === 'string' && status.clientCertificateData !== '' ? status.clientCertificateData : undefined
  const key = typeof status.clientKeyData === 'string' && status.clientKeyData !== '' ? status.clientKeyData : undefined
  if (!token && !(cert && key)) throw failed("exec plugin didn't return a token or cert/key pair")
  if (Boolean(cert) !== Boolean(key)) throw failed('exec plugin returned only certificate or key, not both')
  const exp = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : Number.NaN
  return {token, clientCertificateData: cert, clientKeyData: key, expiresAt: Number.isFinite(exp) ? exp : undefined}
}

/** One plugin's credential for a whole run: run again only once it has expired (or was rejected). */
export class ExecCredentialCache {
  private current?: Promise<ExecCredential>
  private value?: ExecCredential

  constructor(
    private readonly exec: Obj,
    private readonly ctx: ExecContext,
  ) {}

  get(): Promise<ExecCredential> {
    if (this.value?.expiresAt !== undefined && this.value.expiresAt <= Date.now()) this.current = undefined
    this.current ??= runExecPlugin(this.exec, this.ctx).then(
      (v) => (this.value = v),
      (error: unknown) => {
        this.current = undefined
        throw error
      },
    )
    return this.current
  }

  /** The apiserver rejected the credential (401): the next get() runs the plugin again. */
  invalidate(used: ExecCredential): void {
    if (this.value === used) {
      this.current = undefined
      this.value = undefined
    }
  }
}
