import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'
import {resolveKubeconfig} from '../../../src/lib/kube/kubeconfig.js'
import {staticCredentials} from '../../../src/lib/kube/client.js'

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
  user: {token: a-token, client-key: keys/alice.key}
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
    const kc = resolveKubeconfig({kubeconfig: file('s', `clusters:
- name: c
  cluster: {server: https://x:6443, certificate-authority-data: ${Buffer.from('CA').toString('base64')}, tls-server-name: api.x}
users:
- name: u
  user: {token: t0k, client-certificate: c.crt, client-key: c.key}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`)}, {})
    const tls = staticCredentials(kc)!
    expect(tls.ca?.toString()).toBe('CA')
    expect(tls.cert?.toString()).toBe('CERT')
    expect(tls.key?.toString()).toBe('KEY')
    expect(tls.servername).toBe('api.x')
    expect(tls.headers).toEqual({Authorization: 'Bearer t0k'})
  })

  test('exec and auth-provider users, proxies and impersonation go through client-node', () => {
    const base = (user: string, cluster = '{server: https://x:6443}') => resolveKubeconfig({kubeconfig: file(`k${Math.random()}`, `clusters: [{name: c, cluster: ${cluster}}]
users: [{name: u, user: ${user}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`)}, {})
    expect(staticCredentials(base('{exec: {command: aws}}'))).toBeUndefined()
    expect(staticCredentials(base('{auth-provider: {name: oidc}}'))).toBeUndefined()
    expect(staticCredentials(base('{token: t, as: admin}'))).toBeUndefined()
    expect(staticCredentials(base('{token: t}', '{server: https://x:6443, proxy-url: "http://proxy:3128"}'))).toBeUndefined()
    expect(staticCredentials(base('{username: a, password: b}'))!.auth).toBe('a:b')
  })
})
