/**
 * The reference topologies in test/topologies: every file parses, every object is addressable,
 * and every object is the guide's own (after the changes test/topologies/README.md lists), so the
 * plugin is tested against what users really deploy.
 */
import {describe, expect, it} from '@jest/globals'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments} from 'yaml'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const TOPOLOGY_DIR = path.join(repoRoot, 'test/topologies')
const GUIDE = path.resolve(repoRoot, '../shared/seeds/002_83c2016d61f52331.txt')

interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {name: string; labels?: Record<string, string>}
  spec?: Record<string, unknown>
  data?: Record<string, string>
}

interface PodSpec {
  volumes?: Array<{name: string; configMap?: {name: string}; persistentVolumeClaim?: {claimName: string}}>
  containers: Array<{name: string; image: string; lifecycle?: {preStop?: {exec?: {command?: string[]}}}}>
  terminationGracePeriodSeconds?: number
}

interface PodTemplateOwner {
  name: string
  kind: string
  labels: Record<string, string>
  selector?: Record<string, string>
  replicas?: number
  pod: PodSpec
}

function parseYamlStream(text: string, where: string): unknown[] {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) throw new Error(`${where}: not a YAML document stream`)
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${where}, document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`)
    return doc.toJS() as unknown
  })
}

const topologyFiles = readdirSync(TOPOLOGY_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()

const topologies = new Map<string, KubeObject[]>(
  topologyFiles.map((file) => [file, parseYamlStream(readFileSync(path.join(TOPOLOGY_DIR, file), 'utf8'), file).filter((d) => d !== null) as KubeObject[]]),
)

function objectsOf(file: string): KubeObject[] {
  const objects = topologies.get(file)
  if (!objects) throw new Error(`${file} is missing from test/topologies`)
  return objects
}

function find(file: string, kind: string, name: string): KubeObject {
  const found = objectsOf(file).find((o) => o.kind === kind && o.metadata.name === name)
  if (!found) throw new Error(`${file} has no ${kind} ${name}`)
  return found
}

function podTemplateOwners(objects: KubeObject[]): PodTemplateOwner[] {
  const owners: PodTemplateOwner[] = []
  for (const o of objects) {
    type Template = {metadata?: {labels?: Record<string, string>}; spec: PodSpec}
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const spec = o.spec as {replicas?: number; selector?: {matchLabels?: Record<string, string>}; template: Template}
      owners.push({
        name: o.metadata.name,
        kind: o.kind,
        labels: spec.template.metadata?.labels ?? {},
        selector: spec.selector?.matchLabels,
        replicas: spec.replicas,
        pod: spec.template.spec,
      })
    } else if (o.kind === 'CronJob') {
      const spec = o.spec as {jobTemplate: {spec: {template: Template}}}
      owners.push({name: o.metadata.name, kind: o.kind, labels: spec.jobTemplate.spec.template.metadata?.labels ?? {}, pod: spec.jobTemplate.spec.template.spec})
    }
  }
  return owners
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v)

let guideCache: KubeObject[] | undefined

/** The objects of every `cat <<EOF | kubectl apply ... EOF` block of the guide. */
function guideObjects(): KubeObject[] {
  guideCache ??= readGuideObjects()
  return guideCache
}

function readGuideObjects(): KubeObject[] {
  if (!existsSync(GUIDE)) throw new Error(`the SRS K8s guide is not at ${GUIDE}; the topology tests compare against it`)
  const blocks = readFileSync(GUIDE, 'utf8').matchAll(/^cat <<EOF \| kubectl apply[^\n]*\n([\s\S]*?)^EOF$/gm)
  return [...blocks].flatMap((b, i) => parseYamlStream(b[1] ?? '', `guide block ${i + 1}`)).filter((d) => d !== null) as KubeObject[]
}

/** Undoes the documented changes, giving the object as the guide writes it. */
function asInGuide(o: KubeObject): KubeObject {
  let text = JSON.stringify(o)
  // srs-origin-1/2 are the guide's srs-origin-0 with the index changed.
  const index = /^srs-origin-([12])-/.exec(o.metadata.name)?.[1]
  if (index) text = text.replaceAll(`srs-origin-${index}`, 'srs-origin-0')
  const back = JSON.parse(text) as KubeObject
  if (back.kind === 'CronJob' && back.apiVersion === 'batch/v1') back.apiVersion = 'batch/v1beta1'
  return back
}

describe('test/topologies', () => {
  it('has the reference topologies', () => {
    expect(topologyFiles).toEqual([
      'edge-canary-pair.yaml',
      'edge-cluster.yaml',
      'hls-cleanup-cronjob.yaml',
      'origin-cluster.yaml',
      'origins-as-deployments.yaml',
      'pvc.yaml',
      'single-origin.yaml',
    ])
  })

  it('lists every file in its README', () => {
    const readme = readFileSync(path.join(TOPOLOGY_DIR, 'README.md'), 'utf8')
    for (const file of topologyFiles) expect(readme).toContain(`\`${file}\``)
  })

  describe.each(topologyFiles)('%s', (file) => {
    const objects = objectsOf(file)

    it('has apiVersion, kind and metadata.name in every document', () => {
      expect(objects.length).toBeGreaterThan(0)
      for (const o of objects) {
        expect(typeof o.apiVersion).toBe('string')
        expect(typeof o.kind).toBe('string')
        expect(typeof o.metadata?.name).toBe('string')
        expect(o.metadata.name).not.toBe('')
      }
    })

    it('uses only API versions current Kubernetes serves', () => {
      const served: Record<string, string> = {Deployment: 'apps/v1', StatefulSet: 'apps/v1', CronJob: 'batch/v1'}
      for (const o of objects) expect(o.apiVersion).toBe(served[o.kind] ?? 'v1')
    })

    it('names each object once', () => {
      const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`)
      expect(new Set(keys).size).toBe(keys.length)
    })

    it('holds the guide’s objects, changed only as the README says', () => {
      const guide = guideObjects()
      for (const o of objects) {
        const candidates = guide.filter((g) => g.kind === o.kind && g.metadata.name === asInGuide(o).metadata.name)
        expect(candidates).toContainEqual(asInGuide(o))
      }
    })

    it('selects its own pods: workload selectors, Services, StatefulSet serviceName', () => {
      const owners = podTemplateOwners(objects)
      for (const w of owners) if (w.selector) expect(matches(w.selector, w.labels)).toBe(true)
      for (const svc of objects.filter((o) => o.kind === 'Service')) {
        const selector = (svc.spec as {selector: Record<string, string>}).selector
        const podName = selector['statefulset.kubernetes.io/pod-name']
        if (podName !== undefined) {
          // Set by the StatefulSet controller on pod <set>-<ordinal>.
          const set = owners.find((w) => w.kind === 'StatefulSet' && podName.startsWith(`${w.name}-`))
          expect(set).toBeDefined()
          expect(Number(podName.slice((set?.name.length ?? 0) + 1))).toBeLessThan(set?.replicas ?? 0)
          continue
        }
        expect(owners.some((w) => matches(selector, w.labels))).toBe(true)
      }
      for (const set of objects.filter((o) => o.kind === 'StatefulSet')) {
        const governing = find(file, 'Service', (set.spec as {serviceName: string}).serviceName)
        expect((governing.spec as {clusterIP?: string}).clusterIP).toBe('None')
      }
    })

    it('mounts only ConfigMaps of the same file and the claim of pvc.yaml', () => {
      const claims = objectsOf('pvc.yaml').filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name)
      for (const w of podTemplateOwners(objects)) {
        for (const v of w.pod.volumes ?? []) {
          if (v.configMap) expect(find(file, 'ConfigMap', v.configMap.name).data?.['srs.conf']).toBeDefined()
          if (v.persistentVolumeClaim) expect(claims).toContain(v.persistentVolumeClaim.claimName)
        }
      }
    })
  })

  it.each([
    ['edge-cluster.yaml', ['srs-edge-deploy']],
    ['edge-canary-pair.yaml', ['srs-edge-r5-deploy', 'srs-edge-r6-deploy']],
  ])('%s: edges quit gracefully (force_grace_quit, preStop grace, long termination grace)', (file, deployments) => {
    const conf = find(file, 'ConfigMap', 'srs-edge-config').data?.['srs.conf'] ?? ''
    expect(conf).toMatch(/^\s*force_grace_quit\s+on;$/m)
    expect(conf).toMatch(/^\s*grace_start_wait\s+700;$/m)
    expect(conf).toMatch(/^\s*grace_final_wait\s+800;$/m)
    for (const name of deployments) {
      const [owner] = podTemplateOwners([find(file, 'Deployment', name)])
      expect(owner?.pod.terminationGracePeriodSeconds).toBe(120)
      expect(owner?.pod.containers[0]?.lifecycle?.preStop?.exec?.command).toEqual(['/usr/local/srs/etc/init.d/srs', 'grace'])
    }
  })

  it('edge-canary-pair.yaml: both tracks sit behind the one Service, on their own versions', () => {
    const selector = (find('edge-canary-pair.yaml', 'Service', 'srs-edge-service').spec as {selector: Record<string, string>}).selector
    const owners = podTemplateOwners(objectsOf('edge-canary-pair.yaml'))
    expect(owners.map((w) => [w.name, w.replicas, w.pod.containers[0]?.image, matches(selector, w.labels)])).toEqual([
      ['srs-edge-r5-deploy', 3, 'ossrs/srs:v4.0.5', true],
      ['srs-edge-r6-deploy', 1, 'ossrs/srs:v4.0.6', true],
    ])
  })

  it('edge-canary-pair.yaml repeats edge-cluster.yaml’s config and Service unchanged', () => {
    for (const [kind, name] of [
      ['ConfigMap', 'srs-edge-config'],
      ['Service', 'srs-edge-service'],
    ] as const) {
      expect(find('edge-canary-pair.yaml', kind, name)).toEqual(find('edge-cluster.yaml', kind, name))
    }
  })

  it('origin-cluster.yaml: coworkers and edge origins name the StatefulSet’s pods', () => {
    const set = find('origin-cluster.yaml', 'StatefulSet', 'srs-origin')
    const replicas = (set.spec as {replicas: number}).replicas
    const pods = Array.from({length: replicas}, (_, i) => `srs-origin-${i}.socs`)
    const originConf = find('origin-cluster.yaml', 'ConfigMap', 'srs-origin-config').data?.['srs.conf'] ?? ''
    expect(originConf).toContain(`coworkers       ${pods.map((p) => `${p}:1985`).join(' ')};`)
    const edgeConf = find('edge-cluster.yaml', 'ConfigMap', 'srs-edge-config').data?.['srs.conf'] ?? ''
    expect(edgeConf).toContain(`origin          ${pods.join(' ')};`)
  })

  it('origins-as-deployments.yaml: one Deployment and one Service per origin the configs name', () => {
    const conf = find('origins-as-deployments.yaml', 'ConfigMap', 'srs-origin-config').data?.['srs.conf'] ?? ''
    for (const i of [0, 1, 2]) {
      expect(conf).toContain(`srs-origin-${i}-socs:1985`)
      const deploy = find('origins-as-deployments.yaml', 'Deployment', `srs-origin-${i}-deploy`)
      expect((deploy.spec as {replicas: number}).replicas).toBe(1)
      const svc = find('origins-as-deployments.yaml', 'Service', `srs-origin-${i}-socs`)
      expect((svc.spec as {selector: Record<string, string>}).selector).toEqual({app: `srs-origin-${i}`})
    }
  })
})
