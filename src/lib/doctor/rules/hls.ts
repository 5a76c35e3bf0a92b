/** hls-cleanup: HLS/DVR files on a shared volume (PVC) have a CronJob that removes old ones. */
import path from 'node:path/posix'
import type {DoctorInput, Draft, Rule} from '../types.js'
import type {WorkloadModel} from '../../srs/topology.js'
import {srsPath, volumeAt} from '../workload.js'

/** The directory part of a DVR path template, before the first [variable]. */
function dvrDir(p: string): string {
  const cut = p.indexOf('[')
  const head = cut >= 0 ? p.slice(0, cut) : p
  return head.endsWith('/') ? head : path.dirname(head)
}

/** Claims that HLS or DVR of this workload write to, with what writes there. */
function sharedMediaClaims(w: WorkloadModel, input: DoctorInput): Map<string, {what: Set<string>; dir: string}> {
  const out = new Map<string, {what: Set<string>; dir: string}>()
  for (const v of w.settings.vhosts) {
    const dirs: [string, string][] = []
    if (v.hlsEnabled.value) dirs.push(['HLS', v.hlsPath.value])
    if (v.dvrEnabled.value) dirs.push(['DVR', dvrDir(v.dvrPath.value)])
    for (const [what, dir] of dirs) {
      const claim = volumeAt(w, input, dir)?.volume.persistentVolumeClaim?.claimName
      if (!claim) continue
      const entry = out.get(claim) ?? {what: new Set<string>(), dir: srsPath(dir)}
      entry.what.add(what)
      out.set(claim, entry)
    }
  }
  return out
}

function cleanedClaims(input: DoctorInput): Set<string> {
  const claims = new Set<string>()
  for (const cj of input.cronJobs ?? []) {
    if (cj.spec.suspend) continue
    for (const v of cj.spec.jobTemplate?.spec?.template?.spec.volumes ?? []) if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName)
  }
  return claims
}

export const hlsCleanupRule: Rule = {
  id: 'hls-cleanup',
  severity: 'warning',
  title: 'a cleanup CronJob for HLS/DVR files on a shared volume',
  needs: 'cronJobs',
  check(w, input): Draft | undefined {
    const cleaned = cleanedClaims(input)
    const missing = [...sharedMediaClaims(w, input)].filter(([claim]) => !cleaned.has(claim))
    if (missing.length === 0) return undefined
    const [claim] = missing[0]!
    const what = new Set(missing.flatMap(([, e]) => [...e.what]))
    return {
      severity: 'warning',
      found: `${[...what].join(' and ')} ${what.size > 1 ? 'write' : 'writes'} to PersistentVolumeClaim ${missing.map(([c]) => c).join(', ')} and no active CronJob in the namespace mounts it to clean up`,
      why: 'segments left after unpublish, restarts and crashes are never removed and fill the shared volume',
      fix: `# the guide's daily cleanup (01:15) of files older than 3 days; keeps console and DVR results
apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${claim}-cleanup
spec:
  schedule: "15 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          volumes:
          - name: media
            persistentVolumeClaim:
              claimName: ${claim}
          containers:
          - name: cleanup
            image: busybox:1.36
            volumeMounts:
            - name: media
              mountPath: /media
            args:
            - /bin/sh
            - -c
            - >
              find /media -mtime +3 -name '*.ts*' -delete;
              find /media -mtime +3 -name '*.m3u8*' -delete;
              find /media -mtime +3 -name '*.flv.tmp' -delete;
              find /media -mtime +3 -name '*.mp4.tmp' -delete
          restartPolicy: Never`,
    }
  },
}
