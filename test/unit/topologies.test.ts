/**
 * The reference topologies in test/topologies: every file parses, every object is addressable,
 * and every object is the guide's own (after the changes test/topologies/README.md lists), so the
 * plugin is tested against what users really deploy. What the guide writes (names, labels,
 * images, ports, volumes, commands, preStop, grace, ConfigMap keys and srs.conf directives) is
 * stated below, object by object, so a transcription error fails here.
 */
import {describe, expect, it} from '@jest/globals'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments} from 'yaml'
import {parseSrsConf, type SrsConfDirective} from '../../src/lib/srs/conf/syntax.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const TOPOLOGY_DIR = path.join(repoRoot, 'test/topologies')

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

const topologies = new Map<string, KubeObject[]>(topologyFiles.map((file) => [file, parseYamlStream(readFileSync(path.join(TOPOLOGY_DIR, file), 'utf8'), file).filter((d) => d !== null) as KubeObject[]]))

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

type Json = Record<string, unknown>

const pairs = (m: unknown): string =>
  Object.entries((m ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '-'

/** srs.conf as SRS reads it: each directive with its arguments, blocks in braces, layout dropped. */
function srsConfDirectives(text: string): string {
  const render = (directives: readonly SrsConfDirective[]): string => directives.map((d) => [d.name, ...d.args].join(' ') + (d.block ? ` { ${render(d.block.children)} }` : ';')).join(' ')
  return render(parseSrsConf(text).children)
}

interface ContainerSpec {
  name: string
  image: string
  imagePullPolicy?: string
  ports?: Array<{containerPort: number}>
  volumeMounts?: Array<{name: string; mountPath: string; readOnly?: boolean}>
  command?: string[]
  args?: string[]
  lifecycle?: {preStop?: {exec?: {command?: string[]}}}
}

interface TemplateSpec {
  metadata?: {labels?: Record<string, string>}
  spec: {
    volumes?: Array<{name: string; emptyDir?: object; configMap?: {name: string}; persistentVolumeClaim?: {claimName: string}}>
    containers: ContainerSpec[]
    terminationGracePeriodSeconds?: number
    restartPolicy?: string
  }
}

function podDigest(template: TemplateSpec): string[] {
  const {spec} = template
  const volumes = (spec.volumes ?? []).map((v) => (v.configMap ? `${v.name}=configMap:${v.configMap.name}` : v.persistentVolumeClaim ? `${v.name}=pvc:${v.persistentVolumeClaim.claimName}` : `${v.name}=emptyDir`))
  const head = [`pod labels ${pairs(template.metadata?.labels)}`, `volumes ${volumes.join(',') || '-'}`]
  if (spec.terminationGracePeriodSeconds !== undefined) head.push(`terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds}`)
  if (spec.restartPolicy !== undefined) head.push(`restartPolicy ${spec.restartPolicy}`)
  return [
    head.join('; '),
    ...spec.containers.map((c) => {
      const parts = [`container ${c.name} ${c.image}`, `pull ${c.imagePullPolicy ?? '-'}`, `ports ${(c.ports ?? []).map((p) => p.containerPort).join(',') || '-'}`]
      parts.push(`mounts ${(c.volumeMounts ?? []).map((m) => `${m.name}:${m.mountPath}${m.readOnly === undefined ? '' : m.readOnly ? ':ro' : ':rw'}`).join(',') || '-'}`)
      if (c.lifecycle?.preStop?.exec?.command) parts.push(`preStop ${JSON.stringify(c.lifecycle.preStop.exec.command)}`)
      if (c.command) parts.push(`command ${JSON.stringify(c.command)}`)
      if (c.args) parts.push(`args ${JSON.stringify(c.args)}`)
      return parts.join('; ')
    }),
  ]
}

/** The facts of one object, one line per part. */
function digest(o: KubeObject): string[] {
  const spec = (o.spec ?? {}) as Json
  const head = `${o.apiVersion} ${o.kind} ${o.metadata.name}` + (o.metadata.labels ? ` labels ${pairs(o.metadata.labels)}` : '')
  switch (o.kind) {
    case 'ConfigMap':
      return [head, ...Object.entries(o.data ?? {}).map(([key, value]) => (key === 'srs.conf' ? `${key}: ${srsConfDirectives(value)}` : `${key}: ${value}`))]
    case 'Service': {
      const ports = (spec.ports as Array<{name: string; port: number; protocol: string; targetPort: number}>).map((p) => `${p.name}:${p.port}/${p.protocol}->${p.targetPort}`)
      const type = spec.clusterIP === 'None' ? 'headless' : String(spec.type)
      return [`${head}; ${type}; selector ${pairs(spec.selector)}; ports ${ports.join(',')}`]
    }
    case 'Deployment':
    case 'StatefulSet': {
      const parts = [head, `replicas ${String(spec.replicas)}`, `selector ${pairs((spec.selector as {matchLabels: unknown}).matchLabels)}`]
      if (spec.serviceName !== undefined) parts.push(`serviceName ${String(spec.serviceName)}`)
      if (spec.revisionHistoryLimit !== undefined) parts.push(`revisionHistoryLimit ${String(spec.revisionHistoryLimit)}`)
      return [parts.join('; '), ...podDigest(spec.template as TemplateSpec)]
    }
    case 'CronJob': {
      const job = spec.jobTemplate as {spec: {template: TemplateSpec}}
      return [`${head}; schedule ${String(spec.schedule)}`, ...podDigest(job.spec.template)]
    }
    case 'PersistentVolumeClaim': {
      const claim = spec as {accessModes: string[]; storageClassName: string; resources: {requests: {storage: string}}; selector: {matchLabels: unknown}}
      return [`${head}; ${claim.accessModes.join(',')}; storageClassName ${claim.storageClassName}; ${claim.resources.requests.storage}; selector ${pairs(claim.selector.matchLabels)}`]
    }
  }
  throw new Error(`${o.kind} ${o.metadata.name}: no statement for this kind`)
}

/** Every field digest() states; map keys (labels, selectors, ConfigMap keys) as `*`. */
const STATED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata.name',
  'metadata.labels.*',
  'data.*',
  'spec.type',
  'spec.clusterIP',
  'spec.selector.*',
  'spec.ports[].name',
  'spec.ports[].port',
  'spec.ports[].protocol',
  'spec.ports[].targetPort',
  'spec.replicas',
  'spec.serviceName',
  'spec.revisionHistoryLimit',
  'spec.selector.matchLabels.*',
  'spec.schedule',
  'spec.accessModes[]',
  'spec.storageClassName',
  'spec.resources.requests.storage',
  ...['spec.template', 'spec.jobTemplate.spec.template'].flatMap((t) => [
    `${t}.metadata.labels.*`,
    `${t}.spec.volumes[].name`,
    `${t}.spec.volumes[].emptyDir`,
    `${t}.spec.volumes[].configMap.name`,
    `${t}.spec.volumes[].persistentVolumeClaim.claimName`,
    `${t}.spec.terminationGracePeriodSeconds`,
    `${t}.spec.restartPolicy`,
    `${t}.spec.containers[].name`,
    `${t}.spec.containers[].image`,
    `${t}.spec.containers[].imagePullPolicy`,
    `${t}.spec.containers[].ports[].containerPort`,
    `${t}.spec.containers[].volumeMounts[].name`,
    `${t}.spec.containers[].volumeMounts[].mountPath`,
    `${t}.spec.containers[].volumeMounts[].readOnly`,
    `${t}.spec.containers[].command[]`,
    `${t}.spec.containers[].args[]`,
    `${t}.spec.containers[].lifecycle.preStop.exec.command[]`,
  ]),
])

/** Paths of the leaves of a parsed YAML object: array items as `[]`, keys of string maps under labels/selector/data as `*`. */
function leafPaths(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => leafPaths(item, `${at}[]`))
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) return [at]
  const entries = Object.entries(value)
  const key = at.split('.').at(-1) ?? ''
  if (['labels', 'matchLabels', 'selector', 'data'].includes(key) && entries.every(([, v]) => typeof v === 'string')) return [`${at}.*`]
  return entries.flatMap(([k, v]) => leafPaths(v, at ? `${at}.${k}` : k))
}

const GUIDE_OBJECTS: Record<string, string[][]> = {
  'edge-canary-pair.yaml': [
    [
      'v1 ConfigMap srs-edge-config',
      'srs.conf: listen 1935; max_connections 1000; daemon off; grace_start_wait 700; grace_final_wait 800; force_grace_quit on; http_api { enabled on; listen 1985; } http_server { enabled on; listen 8080; } vhost __defaultVhost__ { cluster { mode remote; origin srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs; } http_remux { enabled on; } }',
    ],
    [
      'apps/v1 Deployment srs-edge-r5-deploy labels run=srs-edge-r5; replicas 3; selector run=srs-edge-r5',
      'pod labels run=srs-edge-r5,app=srs-edge; volumes config-volume=configMap:srs-edge-config; terminationGracePeriodSeconds 120',
      'container srs ossrs/srs:v4.0.5; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf; preStop ["/usr/local/srs/etc/init.d/srs","grace"]',
    ],
    [
      'apps/v1 Deployment srs-edge-r6-deploy labels run=srs-edge-r6; replicas 1; selector run=srs-edge-r6',
      'pod labels run=srs-edge-r6,app=srs-edge; volumes config-volume=configMap:srs-edge-config; terminationGracePeriodSeconds 120',
      'container srs ossrs/srs:v4.0.6; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf; preStop ["/usr/local/srs/etc/init.d/srs","grace"]',
    ],
    ['v1 Service srs-edge-service; LoadBalancer; selector app=srs-edge; ports srs-edge-service-1935-1935:1935/TCP->1935,srs-edge-service-8080-8080:8080/TCP->8080'],
  ],
  'edge-cluster.yaml': [
    [
      'v1 ConfigMap srs-edge-config',
      'srs.conf: listen 1935; max_connections 1000; daemon off; grace_start_wait 700; grace_final_wait 800; force_grace_quit on; http_api { enabled on; listen 1985; } http_server { enabled on; listen 8080; } vhost __defaultVhost__ { cluster { mode remote; origin srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs; } http_remux { enabled on; } }',
    ],
    [
      'apps/v1 Deployment srs-edge-deploy labels app=srs-edge; replicas 2; selector app=srs-edge; revisionHistoryLimit 10',
      'pod labels app=srs-edge; volumes config-volume=configMap:srs-edge-config; terminationGracePeriodSeconds 120',
      'container srs ossrs/srs:v4.0.5; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf; preStop ["/usr/local/srs/etc/init.d/srs","grace"]',
    ],
    ['v1 Service srs-edge-service; LoadBalancer; selector app=srs-edge; ports srs-edge-service-1935-1935:1935/TCP->1935,srs-edge-service-8080-8080:8080/TCP->8080'],
  ],
  'hls-cleanup-cronjob.yaml': [
    [
      'batch/v1 CronJob cleanup; schedule 15 1 * * *',
      'pod labels -; volumes cache-volume=pvc:pvc-nas; restartPolicy Never',
      'container cleanup centos:7; pull IfNotPresent; ports -; mounts cache-volume:/tmp/html:rw; args ["/bin/sh","-c","find /tmp/html -mtime +3 -name *.ts* -print -delete && find /tmp/html -mtime +3 -name *.m3u8* -print -delete && find /tmp/html -mtime +3 -name *.flv.tmp -print -delete && find /tmp/html -mtime +3 -name *.mp4.tmp -print -delete && find /tmp/html -type d -empty -print -delete && echo \\"Done\\"\\n"]',
    ],
  ],
  'origin-cluster.yaml': [
    [
      'v1 ConfigMap srs-origin-config',
      'srs.conf: listen 1935; max_connections 1000; daemon off; http_api { enabled on; listen 1985; } http_server { enabled on; listen 8080; } vhost __defaultVhost__ { cluster { origin_cluster on; coworkers srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985; } http_remux { enabled on; } hls { enabled on; } }',
    ],
    ['v1 Service socs; headless; selector app=srs-origin; ports socs-1935-1935:1935/TCP->1935'],
    [
      'apps/v1 StatefulSet srs-origin labels app=srs-origin; replicas 3; selector app=srs-origin; serviceName socs',
      'pod labels app=srs-origin; volumes cache-volume=pvc:pvc-nas,config-volume=configMap:srs-origin-config',
      'container srs ossrs/srs:3; pull IfNotPresent; ports 1935,1985,8080; mounts cache-volume:/usr/local/srs/objs/nginx/html:rw,config-volume:/usr/local/srs/conf',
    ],
    ['v1 Service srs-api-service; LoadBalancer; selector statefulset.kubernetes.io/pod-name=srs-origin-0; ports srs-api-service-1985-1985:1985/TCP->1985'],
    [
      'apps/v1 Deployment nginx-origin-deploy labels app=nginx-origin; replicas 1; selector app=nginx-origin',
      'pod labels app=nginx-origin; volumes cache-volume=pvc:pvc-nas',
      'container nginx nginx; pull IfNotPresent; ports 80; mounts cache-volume:/usr/share/nginx/html:ro',
      'container srs-cp-files ossrs/srs:3; pull IfNotPresent; ports -; mounts cache-volume:/tmp/html:rw; command ["/bin/sh"]; args ["-c","if [[ ! -f /tmp/html/index.html ]]; then\\n  cp -R ./objs/nginx/html/* /tmp/html\\nfi && sleep infinity\\n"]',
    ],
    ['v1 Service srs-http-service; LoadBalancer; selector app=nginx-origin; ports nginx-origin-service-80-80:80/TCP->80'],
  ],
  'origins-as-deployments.yaml': [
    [
      'v1 ConfigMap srs-origin-config',
      'srs.conf: listen 1935; max_connections 1000; daemon off; http_api { enabled on; listen 1985; } http_server { enabled on; listen 8080; } vhost __defaultVhost__ { cluster { origin_cluster on; coworkers srs-origin-0-socs:1985 srs-origin-1-socs:1985 srs-origin-2-socs:1985; } http_remux { enabled on; } hls { enabled on; } }',
    ],
    [
      'v1 ConfigMap srs-edge-config',
      'srs.conf: listen 1935; max_connections 1000; daemon off; http_api { enabled on; listen 1985; } http_server { enabled on; listen 8080; } vhost __defaultVhost__ { cluster { mode remote; origin srs-origin-0-socs srs-origin-1-socs srs-origin-2-socs; } http_remux { enabled on; } }',
    ],
    [
      'apps/v1 Deployment srs-origin-0-deploy labels app=srs-origin-0; replicas 1; selector app=srs-origin-0',
      'pod labels app=srs-origin-0; volumes config-volume=configMap:srs-origin-config',
      'container srs ossrs/srs:3; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf',
    ],
    ['v1 Service srs-origin-0-socs; ClusterIP; selector app=srs-origin-0; ports srs-origin-0-socs-service-1935-1935:1935/TCP->1935'],
    [
      'apps/v1 Deployment srs-origin-1-deploy labels app=srs-origin-1; replicas 1; selector app=srs-origin-1',
      'pod labels app=srs-origin-1; volumes config-volume=configMap:srs-origin-config',
      'container srs ossrs/srs:3; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf',
    ],
    ['v1 Service srs-origin-1-socs; ClusterIP; selector app=srs-origin-1; ports srs-origin-1-socs-service-1935-1935:1935/TCP->1935'],
    [
      'apps/v1 Deployment srs-origin-2-deploy labels app=srs-origin-2; replicas 1; selector app=srs-origin-2',
      'pod labels app=srs-origin-2; volumes config-volume=configMap:srs-origin-config',
      'container srs ossrs/srs:3; pull IfNotPresent; ports 1935,1985,8080; mounts config-volume:/usr/local/srs/conf',
    ],
    ['v1 Service srs-origin-2-socs; ClusterIP; selector app=srs-origin-2; ports srs-origin-2-socs-service-1935-1935:1935/TCP->1935'],
    ['v1 Service srs-api-service; LoadBalancer; selector app=srs-origin-0; ports srs-origin-service-1985-1985:1985/TCP->1985'],
  ],
  'pvc.yaml': [['v1 PersistentVolumeClaim pvc-nas; ReadWriteMany; storageClassName nas; 100Gi; selector pv=nfs-pv']],
  'single-origin.yaml': [
    [
      'apps/v1 Deployment srs-deploy labels app=srs; replicas 1; selector app=srs',
      'pod labels app=srs; volumes cache-volume=emptyDir',
      'container srs ossrs/srs:3; pull IfNotPresent; ports 1935,1985,8080; mounts cache-volume:/usr/local/srs/objs/nginx/html:rw',
      'container nginx nginx; pull IfNotPresent; ports 80; mounts cache-volume:/usr/share/nginx/html:ro',
      'container srs-cp-files ossrs/srs:3; pull IfNotPresent; ports -; mounts cache-volume:/tmp/html:rw; command ["/bin/sh"]; args ["-c","if [[ ! -f /tmp/html/index.html ]]; then\\n  cp -R ./objs/nginx/html/* /tmp/html\\nfi && sleep infinity\\n"]',
    ],
    [
      'v1 Service srs-origin-service; LoadBalancer; selector app=srs; ports srs-origin-service-80-80:80/TCP->80,srs-origin-service-1935-1935:1935/TCP->1935,srs-origin-service-1985-1985:1985/TCP->1985,srs-origin-service-8080-8080:8080/TCP->8080',
    ],
  ],
}

describe('test/topologies', () => {
  it('has the reference topologies', () => {
    expect(topologyFiles).toEqual(['edge-canary-pair.yaml', 'edge-cluster.yaml', 'hls-cleanup-cronjob.yaml', 'origin-cluster.yaml', 'origins-as-deployments.yaml', 'pvc.yaml', 'single-origin.yaml'])
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

    it('states the guide’s objects, changed only as the README says', () => {
      expect(objects.map(digest)).toEqual(GUIDE_OBJECTS[file])
    })

    it('has no field the statement above leaves out', () => {
      const unstated = objects.flatMap((o) =>
        leafPaths(o)
          .filter((p) => !STATED_FIELDS.has(p))
          .map((p) => `${o.kind}/${o.metadata.name}: ${p}`),
      )
      expect(unstated).toEqual([])
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
      const claims = objectsOf('pvc.yaml')
        .filter((o) => o.kind === 'PersistentVolumeClaim')
        .map((o) => o.metadata.name)
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
