/**
 * Kubeconfig conformance: kubectl is the oracle. Each row is a kubeconfig (plus environment and
 * global flags) run through `kubectl get services` and through `kubectl srs status` against the
 * local cluster. They must agree: both work, or both refuse with the same cause; and their
 * traffic must take the same route (direct, a CONNECT proxy, a SOCKS5 proxy, or a path-prefix
 * reverse proxy, each on loopback and counting what passed through it). Where the plugin
 * deliberately differs, the row's `differs` says how and why.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawn, spawnSync} from 'node:child_process'
import http from 'node:http'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse, stringify} from 'yaml'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, ROOT, run, serviceAccountKubeconfig, srs, type RunResult} from '../helpers/cli.js'
import type {StatusReport} from '../../src/lib/status/report.js'
import {connectProxy, prefixProxy, socks5Proxy, type CountingProxy} from '../helpers/proxies.js'

type Route = 'direct' | 'connect' | 'socks' | 'prefix' | 'tls' | 'auth'
type Obj = Record<string, unknown>

interface Row {
  name: string
  /** The kubeconfig: cluster and user entries (a string is written as it is, for YAML 1.1 scalars). */
  kubeconfig: () => {cluster?: Obj; user?: Obj} | string
  env?: () => NodeJS.ProcessEnv
  /** Global flags given to both. */
  args?: () => string[]
  input?: string
  /** 'ok', or the cause both must name. */
  expect: 'ok' | RegExp
  route: Route
  /** A file an exec plugin appends a line to on each run: both must run it exactly this often. */
  execRuns?: {file: () => string; times: number}
  differs?: string
}

const PKI = path.join(ROOT, '.cluster/pki')
let dir: string
let ns: {name: string; remove: () => void}
let server: string
let token: string
let port: string
let saKubeconfig: string
const proxies: Record<Exclude<Route, 'direct'>, CountingProxy> = {} as never

const ca = () => path.join(PKI, 'apiserver.crt')
const b64 = (file: string) => readFileSync(file).toString('base64')
const baseCluster = (): Obj => ({server, 'certificate-authority': ca()})

function script(name: string, body: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`, {mode: 0o755})
  return file
}

function plainFile(name: string, content: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, `${content}\n`)
  return file
}

const credential = (apiVersion: string, tok = '$TOKEN') => `printf '{"apiVersion":"client.authentication.k8s.io/${apiVersion}","kind":"ExecCredential","status":{"token":"%s"}}' "${tok}"`

function writeKubeconfig(row: Row, namespace = ns.name): string {
  const spec = row.kubeconfig()
  const file = path.join(dir, `${namespace}-${row.name.replace(/[^a-z0-9]+/gi, '-')}.kubeconfig`)
  if (typeof spec === 'string') {
    writeFileSync(file, spec)
    return file
  }
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: 'local', cluster: spec.cluster ?? baseCluster()}],
    users: [{name: 'someone', user: spec.user ?? {token}}],
    contexts: [{name: 'local', context: {cluster: 'local', user: 'someone', namespace}}],
    'current-context': 'local',
  }
  writeFileSync(file, stringify(doc))
  return file
}

const NO_PROXY_ENV = {HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '', ALL_PROXY: '', all_proxy: ''}

const rows: Row[] = [
  {name: 'token', kubeconfig: () => ({}), expect: 'ok', route: 'direct'},
  {name: 'tokenFile', kubeconfig: () => ({user: {tokenFile: plainFile('token.txt', token)}}), expect: 'ok', route: 'direct'},
  {name: 'token and tokenFile: the file wins', kubeconfig: () => ({user: {token: 'wrong-token', tokenFile: plainFile('token2.txt', token)}}), expect: 'ok', route: 'direct'},
  {name: 'wrong token: 401', kubeconfig: () => ({user: {token: 'wrong-token'}}), expect: /[Uu]nauthorized/, route: 'direct'},
  {name: 'client certificate files', kubeconfig: () => ({user: {'client-certificate': path.join(PKI, 'cert-admin.crt'), 'client-key': path.join(PKI, 'cert-admin.key')}}), expect: 'ok', route: 'direct'},
  {name: 'client certificate data', kubeconfig: () => ({user: {'client-certificate-data': b64(path.join(PKI, 'cert-admin.crt')), 'client-key-data': b64(path.join(PKI, 'cert-admin.key'))}}), expect: 'ok', route: 'direct'},
  {
    name: 'encrypted client key: refused',
    kubeconfig: () => ({user: {'client-certificate': path.join(PKI, 'cert-admin.crt'), 'client-key': path.join(dir, 'encrypted.key')}}),
    expect: /failed to parse private key/,
    route: 'direct',
    differs: 'kubectl also logs "Unhandled Error" lines; the plugin says once that the key is encrypted and what to do',
  },
  {name: 'CA data', kubeconfig: () => ({cluster: {server, 'certificate-authority-data': b64(ca())}}), expect: 'ok', route: 'direct'},
  {name: 'CA file relative to the kubeconfig', kubeconfig: () => ({cluster: {server, 'certificate-authority': path.relative(dir, ca())}}), expect: 'ok', route: 'direct'},
  {name: 'no CA: unknown authority', kubeconfig: () => ({cluster: {server}}), expect: /certificate signed by unknown authority/, route: 'direct'},
  {name: 'insecure-skip-tls-verify: true', kubeconfig: () => ({cluster: {server, 'insecure-skip-tls-verify': true}}), expect: 'ok', route: 'direct'},
  {
    name: 'insecure-skip-tls-verify: yes (YAML 1.1)',
    kubeconfig: () =>
      `apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: yes\nusers:\n- name: someone\n  user:\n    token: ${token}\ncontexts:\n- name: local\n  context: {cluster: local, user: someone, namespace: ${ns.name}}\ncurrent-context: local\n`,
    expect: 'ok',
    route: 'direct',
  },
  {name: 'insecure with a CA: refused', kubeconfig: () => ({cluster: {...baseCluster(), 'insecure-skip-tls-verify': true}}), expect: /specifying a root certificates file with the insecure flag is not allowed/, route: 'direct'},
  {
    name: 'CA file and CA data: refused',
    kubeconfig: () => ({cluster: {...baseCluster(), 'certificate-authority-data': b64(ca())}}),
    expect: /certificate-authority-data and certificate-authority are both specified for local/,
    route: 'direct',
  },
  {name: 'tls-server-name', kubeconfig: () => ({cluster: {...baseCluster(), 'tls-server-name': 'kubernetes.default.svc'}}), expect: 'ok', route: 'direct'},
  {name: 'tls-server-name not in the certificate', kubeconfig: () => ({cluster: {...baseCluster(), 'tls-server-name': 'elsewhere.example'}}), expect: /elsewhere\.example/, route: 'direct'},
  {
    name: 'disable-compression',
    kubeconfig: () => ({cluster: {...baseCluster(), 'disable-compression': true}}),
    expect: 'ok',
    route: 'direct',
    differs: 'the plugin never asks for gzip (the apiserver sends status-sized answers fast uncompressed), so the setting changes nothing for it',
  },
  {
    name: 'exec v1, interactiveMode Never',
    kubeconfig: () => ({user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: script('cred-v1.sh', credential('v1', token)), interactiveMode: 'Never'}}}),
    expect: 'ok',
    route: 'direct',
  },
  {name: 'exec v1beta1', kubeconfig: () => ({user: {exec: {apiVersion: 'client.authentication.k8s.io/v1beta1', command: script('cred-v1beta1.sh', credential('v1beta1', token))}}}), expect: 'ok', route: 'direct'},
  {
    name: 'exec v1 without interactiveMode: refused',
    kubeconfig: () => ({user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: script('cred-v1.sh', credential('v1', token))}}}),
    expect: /interactiveMode must be specified for someone to use exec authentication plugin/,
    route: 'direct',
  },
  {
    name: 'exec command relative to the kubeconfig',
    kubeconfig: () => {
      script('cred-rel.sh', credential('v1', token))
      return {user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: './cred-rel.sh', interactiveMode: 'Never'}}}
    },
    expect: 'ok',
    route: 'direct',
  },
  {
    name: 'exec env, and KUBERNETES_EXEC_INFO with provideClusterInfo',
    kubeconfig: () => ({
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: script(
            'cred-info.sh',
            `echo "$KUBERNETES_EXEC_INFO" | grep -q '"interactive":false' || exit 7\necho "$KUBERNETES_EXEC_INFO" | grep -q '"server":"${server}"' || exit 8\necho "$KUBERNETES_EXEC_INFO" | grep -q '"audience":"srs"' || exit 9\n${credential('v1', '$CRED_TOKEN')}`,
          ),
          env: [{name: 'CRED_TOKEN', value: token}],
          provideClusterInfo: true,
          interactiveMode: 'IfAvailable',
        },
      },
      cluster: {...baseCluster(), extensions: [{name: 'client.authentication.k8s.io/exec', extension: {audience: 'srs'}}]},
    }),
    expect: 'ok',
    route: 'direct',
  },
  {
    name: 'exec plugin not interactive: no stdin; run once per command while the credential is valid',
    kubeconfig: () => ({
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: script(
            'cred-once.sh',
            `if read -r line; then exit 5; fi\necho run >> ${path.join(dir, 'cred-once.runs')}\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "${token}" "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"`,
          ),
          interactiveMode: 'Never',
        },
      },
    }),
    input: 'a line a non-interactive plugin must not read\n',
    expect: 'ok',
    route: 'direct',
    execRuns: {file: () => path.join(dir, 'cred-once.runs'), times: 1},
  },
  {
    name: 'exec plugin returns a client certificate',
    kubeconfig: () => {
      const pem = (f: string) => `$(awk 'BEGIN{ORS="\\\\n"} {print}' ${path.join(PKI, f)})`
      const body = `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"%s","clientKeyData":"%s"}}' "${pem('cert-admin.crt')}" "${pem('cert-admin.key')}"`
      return {user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: script('cred-cert.sh', body), interactiveMode: 'Never'}}}
    },
    expect: 'ok',
    route: 'direct',
  },
  {
    name: 'exec plugin fails',
    kubeconfig: () => ({user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: script('cred-fail.sh', 'exit 3'), interactiveMode: 'Never'}}}),
    expect: /exec: executable \S*cred-fail\.sh failed with exit code 3/,
    route: 'direct',
  },
  {name: 'proxy-url http (CONNECT)', kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': proxies.connect.url}}), expect: 'ok', route: 'connect'},
  {name: 'proxy-url socks5', kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': proxies.socks.url}}), expect: 'ok', route: 'socks'},
  {name: 'proxy-url https (TLS to the proxy, trusted through the kubeconfig CA)', kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': proxies.tls.url}}), expect: 'ok', route: 'tls'},
  {name: 'proxy-url with credentials (Proxy-Authorization)', kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': proxies.auth.url}}), expect: 'ok', route: 'auth'},
  {
    name: 'proxy-url with wrong credentials: 407',
    kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': proxies.auth.url.replace('//pfuser:', '//pfuser:wrong')}}),
    expect: /Proxy Authentication Required/,
    route: 'direct',
  },
  {name: 'proxy-url to a dead port', kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': 'http://127.0.0.1:1'}}), expect: /refused/, route: 'direct'},
  {
    name: 'proxy-url with an unsupported scheme: refused',
    kubeconfig: () => ({cluster: {...baseCluster(), 'proxy-url': 'ftp://127.0.0.1:1'}}),
    expect: /unsupported scheme "ftp", must be http, https, or socks5/,
    route: 'direct',
  },
  {
    name: 'HTTPS_PROXY with a server named by host name',
    kubeconfig: () => ({cluster: {server: `https://kubernetes.default.svc:${port}`, 'certificate-authority': ca()}}),
    env: () => ({HTTPS_PROXY: proxies.connect.url}),
    expect: 'ok',
    route: 'connect',
  },
  {
    name: 'HTTPS_PROXY: loopback is never proxied',
    kubeconfig: () => ({}),
    env: () => ({HTTPS_PROXY: 'http://127.0.0.1:1', NO_PROXY: ''}),
    expect: 'ok',
    route: 'direct',
  },
  {
    name: 'HTTPS_PROXY with NO_PROXY naming the domain: direct (and that name resolves nowhere)',
    kubeconfig: () => ({cluster: {server: `https://kubernetes.default.svc:${port}`, 'certificate-authority': ca()}}),
    env: () => ({https_proxy: proxies.connect.url, NO_PROXY: 'example.com,.svc'}),
    expect: /kubernetes\.default\.svc/,
    route: 'direct',
  },
  {name: 'server under a path prefix (reverse proxy)', kubeconfig: () => ({cluster: {server: proxies.prefix.url, 'certificate-authority': ca()}}), expect: 'ok', route: 'prefix'},
  {name: 'impersonation: as and as-groups', kubeconfig: () => ({user: {token, as: 'reader-1', 'as-groups': ['srs-readers']}}), expect: 'ok', route: 'direct'},
  {name: 'impersonation: as, as-uid, as-user-extra', kubeconfig: () => ({user: {token, as: 'reader-2', 'as-uid': 'uid-2', 'as-groups': ['srs-readers'], 'as-user-extra': {team: ['video']}}}), expect: 'ok', route: 'direct'},
  {name: 'impersonation: as alone, a user with no RBAC: forbidden', kubeconfig: () => ({user: {token, as: 'nobody'}}), expect: /"nobody".*(forbidden|cannot list)|cannot list.*"nobody"|User "nobody" cannot list/, route: 'direct'},
  {name: 'impersonation: as with tokenFile', kubeconfig: () => ({user: {tokenFile: plainFile('token3.txt', token), as: 'reader-3', 'as-groups': ['srs-readers']}}), expect: 'ok', route: 'direct'},
  {name: 'impersonation: as-groups without as: refused', kubeconfig: () => ({user: {token, 'as-groups': ['srs-readers']}}), expect: /requesting uid, groups or user-extra for someone without impersonating a user/, route: 'direct'},
  {name: '--as and --as-group flags', kubeconfig: () => ({}), args: () => ['--as', 'reader-4', '--as-group', 'srs-readers', '--as-group', 'other'], expect: 'ok', route: 'direct'},
  {name: '--as and --as-uid flags, a user with no RBAC: forbidden', kubeconfig: () => ({}), args: () => ['--as', 'nobody', '--as-uid', '1234'], expect: /nobody/, route: 'direct'},
  {name: '--as-group without --as: refused', kubeconfig: () => ({}), args: () => ['--as-group', 'srs-readers'], expect: /requesting uid, groups or user-extra for someone without impersonating a user/, route: 'direct'},
  {
    name: 'impersonation denied to the user',
    kubeconfig: () => {
      const doc = parse(readFileSync(saKubeconfig, 'utf8')) as {users: {user: Obj}[]}
      return {user: {...doc.users[0]!.user, as: 'reader-5'}}
    },
    expect: /cannot impersonate/,
    route: 'direct',
  },
  {
    name: 'global flags: --context, --user, --cluster, --namespace, --request-timeout',
    kubeconfig: () =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {name: 'good', cluster: baseCluster()},
          {name: 'bad', cluster: {server: 'https://127.0.0.1:1'}},
        ],
        users: [
          {name: 'good', user: {token}},
          {name: 'bad', user: {token: 'wrong-token'}},
        ],
        contexts: [
          {name: 'bad', context: {cluster: 'bad', user: 'bad', namespace: 'nowhere'}},
          {name: 'other', context: {cluster: 'bad', user: 'bad'}},
        ],
        'current-context': 'bad',
      }),
    args: () => ['--context', 'other', '--cluster', 'good', '--user', 'good', '--namespace', ns.name, '--request-timeout', '20s'],
    expect: 'ok',
    route: 'direct',
  },
]

const PROXIED = ['connect', 'socks', 'prefix', 'tls', 'auth'] as const

function routeOf(counts: Record<Route, number>): Route {
  const used = PROXIED.filter((r) => counts[r] > 0)
  return used.length === 1 ? used[0]! : used.length === 0 ? 'direct' : (used.join('+') as Route)
}

type Command = (flags: string[], opts: {env: NodeJS.ProcessEnv; input?: string}) => Promise<RunResult>

async function attempt(row: Row, kubeconfig: string, command: Command, namespace: string): Promise<{r: RunResult; route: Route; execRuns?: number}> {
  const before = Object.fromEntries(PROXIED.map((p) => [p, proxies[p].seen.length])) as Record<(typeof PROXIED)[number], number>
  const runsFile = row.execRuns?.file()
  if (runsFile && existsSync(runsFile)) rmSync(runsFile)
  const env = {...NO_PROXY_ENV, ...row.env?.(), KUBECONFIG: kubeconfig}
  const flags = row.args?.() ?? []
  if (!flags.includes('--namespace')) flags.push('-n', namespace)
  const r = await command(flags, {env, input: row.input})
  const counts = {direct: 0, ...Object.fromEntries(PROXIED.map((p) => [p, proxies[p].seen.length - before[p]]))} as Record<Route, number>
  const execRuns = runsFile ? (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').length : 0) : undefined
  return {r, route: routeOf(counts), execRuns}
}

const kubectlGetServices: Command = (flags, opts) => run('kubectl', ['get', 'services', '-o', 'name', ...flags], opts)
const pluginStatus: Command = (flags, opts) => srs(['status', ...flags], opts)

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-kubeconfig-'))
  ns = createNamespace('kc-conf')
  const admin = parse(readFileSync(KUBECONFIG, 'utf8')) as {clusters: {cluster: {server: string}}[]; users: {user: {token: string}}[]}
  server = admin.clusters[0]!.cluster.server
  port = new URL(server).port
  token = admin.users[0]!.user.token
  // What status reads, for impersonated users in the group srs-readers.
  kubectl(
    ['apply', '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: {name: 'srs-reader', namespace: ns.name},
          rules: [
            {apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list']},
            {apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list']},
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: {name: 'srs-readers', namespace: ns.name},
          roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'srs-reader'},
          subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'srs-readers'}],
        },
      ],
    }),
  )
  saKubeconfig = serviceAccountKubeconfig(ns.name, 'no-impersonation', [{kind: 'Role', name: 'srs-reader'}], path.join(dir, 'sa.kubeconfig'))
  const enc = spawnSync('openssl', ['rsa', '-in', path.join(PKI, 'cert-admin.key'), '-aes256', '-passout', 'pass:secret', '-traditional', '-out', path.join(dir, 'encrypted.key')], {encoding: 'utf8'})
  if (enc.status !== 0) throw new Error(`openssl: ${enc.stderr}`)
  const hosts = {'kubernetes.default.svc': '127.0.0.1'}
  proxies.connect = await connectProxy(hosts)
  proxies.socks = await socks5Proxy(hosts)
  const serving = {cert: readFileSync(ca()), key: readFileSync(path.join(PKI, 'apiserver.key'))}
  proxies.prefix = await prefixProxy('/k8s/clusters/c-local', server, serving)
  // Served with the apiserver's certificate, so the kubeconfig's CA is what vouches for it.
  proxies.tls = await connectProxy(hosts, {tls: serving})
  proxies.auth = await connectProxy(hosts, {auth: 'pfuser:p@ss word'})
})

afterAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p?.close()))
  rmSync(dir, {recursive: true, force: true})
  ns?.remove()
})

/** Both agree: work (then `ok` checks the plugin's output), or refuse naming the row's cause; same route, same exec runs. */
function expectAgreement(row: Row, k: Awaited<ReturnType<typeof attempt>>, p: Awaited<ReturnType<typeof attempt>>, ok: (r: RunResult) => void): void {
  const outcome = (x: RunResult) => (x.code === 0 ? 'ok' : `refused (exit ${x.code}): ${x.stderr.trim()}`)
  if (row.expect === 'ok') {
    expect({tool: 'kubectl', outcome: outcome(k.r)}).toEqual({tool: 'kubectl', outcome: 'ok'})
    expect({tool: 'plugin', outcome: outcome(p.r)}).toEqual({tool: 'plugin', outcome: 'ok'})
    ok(p.r)
  } else {
    expect({tool: 'kubectl', code: k.r.code === 0 ? 0 : 'non-zero', stderr: k.r.stderr}).toEqual({tool: 'kubectl', code: 'non-zero', stderr: expect.stringMatching(row.expect)})
    expect({tool: 'plugin', code: p.r.code === 0 ? 0 : 'non-zero', stderr: p.r.stderr}).toEqual({tool: 'plugin', code: 'non-zero', stderr: expect.stringMatching(row.expect)})
    // The plugin's own shape: one error line, one hint, no stack trace.
    expect(p.r.stderr.trim().split('\n')[0]).toMatch(/^error: /)
    expect(p.r.stderr).toMatch(/\nhint: /)
  }
  expect({kubectl: k.route, plugin: p.route}).toEqual({kubectl: row.route, plugin: row.route})
  if (row.execRuns) expect({kubectl: k.execRuns, plugin: p.execRuns}).toEqual({kubectl: row.execRuns.times, plugin: row.execRuns.times})
}

describe('kubeconfig conformance with kubectl', () => {
  test.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const kubeconfig = writeKubeconfig(row)
    const k = await attempt(row, kubeconfig, kubectlGetServices, ns.name)
    const p = await attempt(row, kubeconfig, pluginStatus, ns.name)
    expectAgreement(row, k, p, (r) => expect(r.stdout.trim()).toBe(`No SRS workloads found in namespace ${ns.name}.`))
  })
})

/**
 * SRS API port-forwards (pods/portforward, what every command uses to reach an SRS whose
 * http_api asks for credentials) take the same connection path as the plugin's other requests.
 * The oracle is `kubectl port-forward` and one authenticated GET through it; the plugin's side is
 * `status`, which reads a workload whose srs.conf turns http_api auth on by port-forward only.
 * Proxied rows name the server kubernetes.default.svc, which resolves only at the proxy: a
 * port-forward that went direct fails instead of passing unnoticed beside proxied lists.
 */
const PF_POD_CONF = `listen 1935;
daemon off;
http_api { enabled on; listen 1985; auth { enabled on; username admin; password s3cret; } }
vhost __defaultVhost__ { }
`
let pfNs: {name: string; remove: () => void}
let pfPod: string
const byName = () => ({server: `https://kubernetes.default.svc:${port}`, 'certificate-authority': ca()})

const pfRows: Row[] = [
  {name: 'token', kubeconfig: () => ({}), expect: 'ok', route: 'direct'},
  {name: 'tokenFile', kubeconfig: () => ({user: {tokenFile: plainFile('pf-token.txt', token)}}), expect: 'ok', route: 'direct'},
  {name: 'client certificate files', kubeconfig: () => ({user: {'client-certificate': path.join(PKI, 'cert-admin.crt'), 'client-key': path.join(PKI, 'cert-admin.key')}}), expect: 'ok', route: 'direct'},
  {
    name: 'exec plugin, credential with an expiry: run once per command',
    kubeconfig: () => ({
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: script(
            'pf-cred-once.sh',
            `echo run >> ${path.join(dir, 'pf-cred-once.runs')}\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "${token}" "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"`,
          ),
          interactiveMode: 'Never',
        },
      },
    }),
    expect: 'ok',
    route: 'direct',
    execRuns: {file: () => path.join(dir, 'pf-cred-once.runs'), times: 1},
  },
  {name: 'proxy-url http (CONNECT)', kubeconfig: () => ({cluster: {...byName(), 'proxy-url': proxies.connect.url}}), expect: 'ok', route: 'connect'},
  {name: 'proxy-url socks5', kubeconfig: () => ({cluster: {...byName(), 'proxy-url': proxies.socks.url}}), expect: 'ok', route: 'socks'},
  {name: 'proxy-url https (TLS to the proxy)', kubeconfig: () => ({cluster: {...byName(), 'proxy-url': proxies.tls.url}}), expect: 'ok', route: 'tls'},
  {name: 'proxy-url with credentials', kubeconfig: () => ({cluster: {...byName(), 'proxy-url': proxies.auth.url}}), expect: 'ok', route: 'auth'},
  {name: 'HTTPS_PROXY with a server named by host name', kubeconfig: () => ({cluster: byName()}), env: () => ({HTTPS_PROXY: proxies.connect.url}), expect: 'ok', route: 'connect'},
  {
    name: 'HTTPS_PROXY with NO_PROXY naming the domain: direct (and that name resolves nowhere)',
    kubeconfig: () => ({cluster: byName()}),
    env: () => ({https_proxy: proxies.connect.url, NO_PROXY: '.svc'}),
    expect: /kubernetes\.default\.svc/,
    route: 'direct',
  },
  {name: 'server under a path prefix (reverse proxy)', kubeconfig: () => ({cluster: {server: proxies.prefix.url, 'certificate-authority': ca()}}), expect: 'ok', route: 'prefix'},
  {name: 'impersonation: as and as-groups', kubeconfig: () => ({user: {token, as: 'pf-reader-1', 'as-groups': ['srs-forwarders']}}), expect: 'ok', route: 'direct'},
  {
    name: 'impersonation: as-groups without port-forward rights: forbidden',
    kubeconfig: () => ({user: {token, as: 'pf-lister-1', 'as-groups': ['srs-listers']}}),
    expect: /[Uu]ser "pf-lister-1" cannot create (resource ")?pods\/portforward/,
    route: 'direct',
  },
  {name: 'impersonation: as with tokenFile', kubeconfig: () => ({user: {tokenFile: plainFile('pf-token2.txt', token), as: 'pf-reader-2', 'as-groups': ['srs-forwarders']}}), expect: 'ok', route: 'direct'},
  {name: '--as and --as-group flags', kubeconfig: () => ({}), args: () => ['--as', 'pf-reader-3', '--as-group', 'srs-forwarders'], expect: 'ok', route: 'direct'},
  {
    name: '--as and --as-group flags without port-forward rights: forbidden',
    kubeconfig: () => ({}),
    args: () => ['--as', 'pf-lister-2', '--as-group', 'srs-listers', '--as-uid', '77'],
    expect: /[Uu]ser "pf-lister-2" cannot create (resource ")?pods\/portforward/,
    route: 'direct',
  },
]

/** `kubectl port-forward` to the SRS API port, then one GET with SRS's credentials through it; exit 0 only when SRS answered 200. */
const kubectlPortForward: Command = (flags, opts) =>
  new Promise<RunResult>((resolve) => {
    const child = spawn('kubectl', ['port-forward', `pod/${pfPod}`, ':1985', ...flags], {env: {...process.env, ...opts.env}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let asked = false
    const finish = (r: RunResult) => {
      clearTimeout(timer)
      child.kill('SIGTERM')
      resolve(r)
    }
    const timer = setTimeout(() => finish({code: 124, stdout, stderr: `${stderr}\nkubectl port-forward did not forward within 30 s`}), 30_000)
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      const local = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]
      if (!local || asked) return
      asked = true
      const req = http.get({host: '127.0.0.1', port: Number(local), path: '/api/v1/summaries', auth: 'admin:s3cret'}, (res) => {
        res.resume()
        res.on('end', () => finish({code: res.statusCode === 200 ? 0 : 1, stdout, stderr: `${stderr}${res.statusCode === 200 ? '' : `\nSRS answered ${res.statusCode}`}`}))
      })
      req.on('error', (err) => setTimeout(() => finish({code: 1, stdout, stderr: `${stderr}\n${err.message}`}), 500))
    })
    child.on('close', (code) => finish({code: code || 1, stdout, stderr}))
    child.stdin.end()
  })

describe('SRS API port-forward conformance with kubectl', () => {
  beforeAll(async () => {
    pfNs = createNamespace('kc-pf')
    const rbac = (name: string, group: string, forward: boolean) => [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: {name, namespace: pfNs.name},
        rules: [
          {apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list']},
          {apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list']},
          ...(forward ? [{apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create']}] : []),
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {name, namespace: pfNs.name},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name},
        subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group}],
      },
    ]
    const workload = [
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'srs-pf-config', namespace: pfNs.name}, data: {'srs.conf': PF_POD_CONF}},
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'srs-pf', namespace: pfNs.name},
        spec: {
          replicas: 1,
          selector: {matchLabels: {app: 'srs-pf'}},
          template: {
            metadata: {labels: {app: 'srs-pf'}},
            spec: {
              volumes: [{name: 'config', configMap: {name: 'srs-pf-config'}}],
              containers: [{name: 'srs', image: 'ossrs/srs:v6.0.155', ports: [{containerPort: 1935}, {containerPort: 1985}], volumeMounts: [{name: 'config', mountPath: '/usr/local/srs/conf'}]}],
            },
          },
        },
      },
    ]
    kubectl(['apply', '-f', '-'], stringify({apiVersion: 'v1', kind: 'List', items: [...rbac('srs-forwarder', 'srs-forwarders', true), ...rbac('srs-lister', 'srs-listers', false), ...workload]}))
    pfPod = await eventually(
      'the SRS pod running with an IP',
      () => {
        const pods = kubectlJson<{items: {metadata: {name: string}; status: {phase?: string; podIP?: string}}[]}>(['get', 'pods', '-n', pfNs.name])
        const p = pods.items.find((x) => x.status.phase === 'Running' && x.status.podIP)
        return pods.items.length === 1 && p ? p.metadata.name : undefined
      },
      {timeoutMs: 60_000},
    )
  }, 90_000)

  afterAll(() => pfNs?.remove())

  test.each(pfRows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const kubeconfig = writeKubeconfig(row, pfNs.name)
    const k = await attempt(row, kubeconfig, kubectlPortForward, pfNs.name)
    const p = await attempt(row, kubeconfig, (flags, opts) => srs(['status', '-o', 'json', '--timeout', '20s', ...flags], opts), pfNs.name)
    expectAgreement(row, k, p, (r) => {
      const pod = (JSON.parse(r.stdout) as StatusReport).workloads.find((w) => w.name === 'srs-pf')?.pods[0]
      expect({route: pod?.apiRoute, version: pod?.srs?.version, error: pod?.error}).toEqual({route: 'port-forward', version: '6.0.155', error: null})
    })
  })
})
