import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'
import {resolveKubeconfig} from '../../../src/lib/kube/kubeconfig.js'
import {impersonationHeaders, staticCredentials} from '../../../src/lib/kube/client.js'

let dir: string
const file = (name: string, text: string): string => {
  const p = path.join(dir, name)
  writeFileSync(p, text)
  return p
}

const one = `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster: {server: https://prod.example:6443, certificate-authority: certs/ca.crt}
- name: stage-cluster
  cluster: {server: https://stage.example:6443}
users:
- name: alice
  user: {token: a-token, client-certificate: keys/alice.crt, client-key: keys/alice.key}
contexts:
- name: prod
  context: {cluster: prod-cluster, user: alice, namespace: live}
- name: stage
  context: {cluster: stage-cluster, user: alice}
`
const two = `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: prod-cluster
  cluster: {server: https://shadowed.example:6443}
- name: lab-cluster
  cluster: {server: https://lab.example:6443}
users:
- name: bob
  user: {token: b-token}
contexts:
- name: lab
  context: {cluster: lab-cluster, user: bob, namespace: srs}
`

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kc-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

describe('kubeconfig resolution follows kubectl', () => {
  test('--kubeconfig: current context, its namespace and server', () => {
    const kc = resolveKubeconfig({kubeconfig: file('a', one)}, {})
    expect(kc).toMatchObject({contextName: 'prod', clusterName: 'prod-cluster', userName: 'alice', namespace: 'live', server: 'https://prod.example:6443'})
  })

  test('a context without a namespace means "default"; --namespace wins over the context', () => {
    const a = file('a', one)
    expect(resolveKubeconfig({kubeconfig: a, context: 'stage'}, {}).namespace).toBe('default')
    expect(resolveKubeconfig({kubeconfig: a, namespace: 'other'}, {}).namespace).toBe('other')
  })

  test('KUBECONFIG with several files merges them, the first definition wins', () => {
    const a = file('a', one)
    const b = file('b', two)
    const kc = resolveKubeconfig({}, {KUBECONFIG: `${a}:${path.join(dir, 'missing')}:${b}`})
    // current-context from the first file that sets it; prod-cluster from the first file
    expect(kc.contextName).toBe('prod')
    expect(kc.server).toBe('https://prod.example:6443')
    // a context only the second file defines is usable
    const lab = resolveKubeconfig({context: 'lab'}, {KUBECONFIG: `${a}:${b}`})
    expect(lab).toMatchObject({server: 'https://lab.example:6443', userName: 'bob', namespace: 'srs'})
  })

  test('--cluster and --user override the context', () => {
    const a = file('a', one)
    const b = file('b', two)
    const kc = resolveKubeconfig({cluster: 'lab-cluster', user: 'bob'}, {KUBECONFIG: `${a}:${b}`})
    expect(kc).toMatchObject({contextName: 'prod', clusterName: 'lab-cluster', userName: 'bob', server: 'https://lab.example:6443'})
  })

  test('relative certificate paths are resolved against the file that holds them', () => {
    const kc = resolveKubeconfig({kubeconfig: file('a', one)}, {})
    const doc = parse(kc.toYaml())
    expect(doc.clusters[0].cluster['certificate-authority']).toBe(path.join(dir, 'certs/ca.crt'))
    expect(doc.users[0].user['client-key']).toBe(path.join(dir, 'keys/alice.key'))
    expect(doc['current-context']).toBe('prod')
    expect(doc.contexts[0].context.namespace).toBe('live')
  })

  test('falls back to ~/.kube/config when KUBECONFIG is unset', () => {
    const home = path.join(dir, 'home')
    mkdirSync(path.join(home, '.kube'), {recursive: true})
    writeFileSync(path.join(home, '.kube', 'config'), two)
    expect(resolveKubeconfig({context: 'lab'}, {HOME: home}).server).toBe('https://lab.example:6443')
  })

  test('a missing --kubeconfig file is named in the error', () => {
    expect(() => resolveKubeconfig({kubeconfig: '/nonexistent/kc'}, {})).toThrow('kubeconfig file /nonexistent/kc does not exist')
  })

  test('an unknown context lists the known ones', () => {
    const a = file('a', one)
    expect(() => resolveKubeconfig({kubeconfig: a, context: 'nope'}, {})).toThrow(/context "nope" does not exist/)
    try {
      resolveKubeconfig({kubeconfig: a, context: 'nope'}, {})
    } catch (error) {
      expect((error as {hint?: string}).hint).toBe('known contexts: prod, stage')
    }
  })

  test('an unknown --user is an error, and so is an empty flag', () => {
    const a = file('a', one)
    expect(() => resolveKubeconfig({kubeconfig: a, user: 'mallory'}, {})).toThrow(/user "mallory" does not exist/)
    expect(() => resolveKubeconfig({kubeconfig: a, context: ' '}, {})).toThrow(/--context is empty/)
  })

  test('a file that is not YAML says so', () => {
    expect(() => resolveKubeconfig({kubeconfig: file('bad', 'clusters: [\n')}, {})).toThrow(/is not valid YAML/)
  })

  test('no kubeconfig anywhere: in-cluster configuration when the service env is set', () => {
    const env = {HOME: path.join(dir, 'empty'), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443'}
    const kc = resolveKubeconfig({}, env)
    expect(kc).toMatchObject({source: 'in-cluster', server: 'https://10.96.0.1:443'})
    expect(() => resolveKubeconfig({}, {HOME: path.join(dir, 'empty')})).toThrow(/no kubeconfig found/)
  })
})

describe('static credentials are read without client-node', () => {
  test('token, CA data and client certificate files', () => {
    writeFileSync(path.join(dir, 'c.crt'), 'CERT')
    writeFileSync(path.join(dir, 'c.key'), 'KEY')
    const kc = resolveKubeconfig(
      {
        kubeconfig: file(
          's',
          `clusters:
- name: c
  cluster: {server: https://x:6443, certificate-authority-data: ${Buffer.from('CA').toString('base64')}, tls-server-name: api.x}
users:
- name: u
  user: {token: t0k, client-certificate: c.crt, client-key: c.key}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`,
        ),
      },
      {},
    )
    const tls = staticCredentials(kc)!
    expect(tls.ca?.toString()).toBe('CA')
    expect(tls.cert?.toString()).toBe('CERT')
    expect(tls.key?.toString()).toBe('KEY')
    expect(tls.servername).toBe('api.x')
    expect(tls.headers).toEqual({Authorization: 'Bearer t0k'})
  })

  test('tokenFile wins over token; impersonation headers from as, as-groups, as-uid, as-user-extra', () => {
    const tokenFile = file('tok', 'from-file\n')
    const kc = resolveKubeconfig(
      {
        kubeconfig: file(
          'imp',
          `clusters: [{name: c, cluster: {server: https://x:6443}}]
users: [{name: u, user: {token: inline, tokenFile: ${tokenFile}, as: jane, as-uid: "42", as-groups: [g1, g2], as-user-extra: {"team/a": [video]}}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`,
        ),
      },
      {},
    )
    expect(staticCredentials(kc)!.headers).toEqual({
      Authorization: 'Bearer from-file',
      'Impersonate-User': 'jane',
      'Impersonate-Uid': '42',
      'Impersonate-Group': ['g1', 'g2'],
      'Impersonate-Extra-team%2Fa': ['video'],
    })
    expect(impersonationHeaders({'as-groups': ['g']})).toEqual({})
    expect(
      staticCredentials(
        resolveKubeconfig(
          {
            kubeconfig: file('imp2', 'clusters: [{name: c, cluster: {server: https://x:6443}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\ncurrent-context: ctx\n'),
            as: 'bob',
            asGroups: ['a', 'b'],
          },
          {},
        ),
      )!.headers,
    ).toEqual({
      Authorization: 'Bearer t',
      'Impersonate-User': 'bob',
      'Impersonate-Group': ['a', 'b'],
    })
  })
})

describe('kubectl refuses, so does the plugin, with its words', () => {
  const kubeconfig = (cluster: string, user: string) =>
    file(`v${Math.random()}`, `clusters: [{name: c, cluster: ${cluster}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\ncurrent-context: ctx\n`)
  const refusal = (cluster: string, user: string, flags: Record<string, unknown> = {}) => {
    try {
      resolveKubeconfig({kubeconfig: kubeconfig(cluster, user), ...flags}, {})
    } catch (error) {
      return (error as Error).message
    }
    return 'accepted'
  }
  test.each([
    ['{server: https://x, certificate-authority: /ca, certificate-authority-data: Zm9v}', '{token: t}', 'certificate-authority-data and certificate-authority are both specified for c. certificate-authority-data will override.'],
    ['{server: https://x, certificate-authority-data: Zm9v, insecure-skip-tls-verify: true}', '{token: t}', 'specifying a root certificates file with the insecure flag is not allowed'],
    ['{server: https://x, proxy-url: "ftp://p:1"}', '{token: t}', `invalid 'proxy-url' "ftp://p:1" for cluster "c": unsupported scheme "ftp", must be http, https, or socks5`],
    ['{server: https://x}', '{exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}}', 'interactiveMode must be specified for u to use exec authentication plugin'],
    ['{server: https://x}', '{exec: {apiVersion: client.authentication.k8s.io/v1beta1}}', 'command must be specified for u to use exec authentication plugin'],
    ['{server: https://x}', '{client-certificate: /c.crt}', 'client-key-data or client-key must be specified for u to use the clientCert authentication method.'],
    ['{server: https://x}', '{token: t, as-groups: [g]}', 'requesting uid, groups or user-extra for u without impersonating a user'],
    ['{server: https://x}', '{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}}', 'accepted'],
    ['{server: https://x, insecure-skip-tls-verify: yes}', '{token: t}', 'accepted'],
  ])('cluster %s, user %s: %s', (cluster, user, expected) => {
    expect(refusal(cluster, user)).toBe(expected)
  })

  test('--as-group without --as is a usage error', () => {
    expect(() => resolveKubeconfig({kubeconfig: kubeconfig('{server: https://x}', '{token: t}'), asGroups: ['g']}, {})).toThrow(
      expect.objectContaining({message: 'requesting uid, groups or user-extra for u without impersonating a user', exitCode: 2}),
    )
  })

  test('YAML 1.1 booleans, as Go reads them; an exec command with a path is resolved against its file', () => {
    const kc = resolveKubeconfig({kubeconfig: kubeconfig('{server: https://x, insecure-skip-tls-verify: yes}', '{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./bin/cred}}')}, {})
    expect(kc.cluster['insecure-skip-tls-verify']).toBe(true)
    expect((kc.user.exec as {command: string}).command).toBe(path.join(dir, 'bin/cred'))
    const onPath = resolveKubeconfig({kubeconfig: kubeconfig('{server: https://x}', '{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}}')}, {})
    expect((onPath.user.exec as {command: string}).command).toBe('aws')
  })
})
