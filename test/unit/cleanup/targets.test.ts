import {describe, expect, test} from '@jest/globals'
import {commonFolder, dvrDir, inferFromWorkloads} from '../../../src/lib/cleanup/infer.js'
import {buildCronJob, cronJobName, jobFromCronJob} from '../../../src/lib/cleanup/manifest.js'
import {chooseTargets} from '../../../src/lib/cleanup/run.js'

const vhost = (o: {hls?: string | false; dvr?: string | false}) => ({
  name: '__defaultVhost__',
  hlsEnabled: {value: o.hls !== undefined && o.hls !== false},
  hlsPath: {value: typeof o.hls === 'string' ? o.hls : './objs/nginx/html'},
  dvrEnabled: {value: o.dvr !== undefined && o.dvr !== false},
  dvrPath: {value: typeof o.dvr === 'string' ? o.dvr : './objs/nginx/html/[app]/[stream].[timestamp].flv'},
})

const origin = (v: ReturnType<typeof vhost>, mountPath = '/usr/local/srs/objs/nginx/html') => ({
  name: 'StatefulSet/srs-origin',
  template: {
    spec: {
      volumes: [
        {name: 'cache-volume', persistentVolumeClaim: {claimName: 'pvc-nas'}},
        {name: 'config-volume', configMap: {name: 'c'}},
      ],
      containers: [],
    },
  },
  container: {
    name: 'srs',
    volumeMounts: [
      {name: 'cache-volume', mountPath},
      {name: 'config-volume', mountPath: '/usr/local/srs/conf'},
    ],
  },
  vhosts: [v],
})

describe('inference from the SRS workloads', () => {
  test("the guide's origin: HLS on the default path, on pvc-nas", () => {
    const inf = inferFromWorkloads([origin(vhost({hls: './objs/nginx/html'}))])
    expect(inf.uses).toEqual([
      {
        claim: 'pvc-nas',
        workload: 'StatefulSet/srs-origin',
        mountPath: '/usr/local/srs/objs/nginx/html',
        readOnly: false,
        dirs: [{kind: 'hls', vhost: '__defaultVhost__', dir: '/usr/local/srs/objs/nginx/html', setting: 'hls_path ./objs/nginx/html'}],
      },
    ])
    const choice = chooseTargets(inf, {namespace: 'live'})
    expect(choice.targets).toEqual([{claim: 'pvc-nas', mountPath: '/usr/local/srs/objs/nginx/html', path: '/usr/local/srs/objs/nginx/html'}])
    expect(choice.inferred.join('\n')).toMatch(/mounted at \/usr\/local\/srs\/objs\/nginx\/html by StatefulSet\/srs-origin/)
  })
  test('HLS and DVR in sub-folders: their common folder; a path off the volume is reported', () => {
    const inf = inferFromWorkloads([origin(vhost({hls: '/data/hls', dvr: '/data/dvr/[app]/[stream].flv'}), '/data')])
    expect(chooseTargets(inf, {namespace: 'live'}).targets[0]!.path).toBe('/data')
    const inf2 = inferFromWorkloads([origin(vhost({hls: '/data/media/hls', dvr: '/data/media/dvr/[stream].mp4'}), '/data')])
    expect(chooseTargets(inf2, {namespace: 'live'}).targets[0]!.path).toBe('/data/media')
    const off = inferFromWorkloads([origin(vhost({hls: '/tmp/hls'}), '/data')])
    expect(off.notes.join()).toMatch(/on no volume/)
    expect(chooseTargets(off, {namespace: 'live'}).targets[0]!.path).toBe('/data')
  })
  test('--path must be on the claim; --pvc of no SRS workload needs --path', () => {
    const inf = inferFromWorkloads([origin(vhost({hls: './objs/nginx/html'}))])
    expect(() => chooseTargets(inf, {namespace: 'live', path: '/tmp/html'})).toThrow(/--path/)
    expect(() => chooseTargets(inf, {namespace: 'live', pvc: 'pvc-nas', path: '/etc'})).toThrow(/--path: \/etc is not on claim pvc-nas/)
    expect(chooseTargets(inf, {namespace: 'live', pvc: 'pvc-nas', path: '/usr/local/srs/objs/nginx/html/live'}).targets[0]!.path).toBe('/usr/local/srs/objs/nginx/html/live')
    expect(() => chooseTargets(inf, {namespace: 'live', pvc: 'other'})).toThrow(/give --path/)
    expect(chooseTargets(inf, {namespace: 'live', pvc: 'other', path: '/tmp/html'}).targets).toEqual([{claim: 'other', mountPath: '/tmp/html', path: '/tmp/html'}])
    expect(() => chooseTargets({uses: [], notes: []}, {namespace: 'live'})).toThrow(/mounts a PersistentVolumeClaim: nothing to infer/)
  })
  test('helpers', () => {
    expect(dvrDir('./objs/nginx/html/[app]/[stream].[timestamp].flv')).toBe('./objs/nginx/html')
    expect(dvrDir('/data/dvr/rec.flv')).toBe('/data/dvr')
    expect(commonFolder(['/a/b/c', '/a/b/d', '/a/bc'])).toBe('/a')
    expect(commonFolder([])).toBeUndefined()
  })
})

describe('the CronJob', () => {
  const cron = buildCronJob({claim: 'pvc-nas', mountPath: '/usr/local/srs/objs/nginx/html', path: '/usr/local/srs/objs/nginx/html'}, {namespace: 'live', schedule: '15 1 * * *', olderThanMinutes: 4320, image: 'busybox:1.36'})
  test('batch/v1, Forbid, history limits, TTL, one predictable name per claim', () => {
    expect(cron).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {name: 'srs-cleanup-pvc-nas', namespace: 'live'},
      spec: {schedule: '15 1 * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3},
    })
    expect(cron.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeGreaterThan(0)
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0]!
    expect(c.args).toEqual(['/usr/local/srs/objs/nginx/html', '4320', 'delete'])
    expect(c.command![2]).not.toContain('/usr/local/srs')
    expect(cronJobName('x'.repeat(60)).length).toBeLessThanOrEqual(52)
  })
  test('a --now --dry-run Job lists only', () => {
    const job = jobFromCronJob(cron, {dryRun: true, suffix: 'dry-abc'})
    expect(job.metadata.name).toBe('srs-cleanup-pvc-nas-dry-abc')
    expect(job.spec.template.spec.containers[0]!.args).toEqual(['/usr/local/srs/objs/nginx/html', '4320', 'dry-run'])
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0]!.args![2]).toBe('delete')
  })
})
