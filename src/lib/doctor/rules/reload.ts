/** Config reload: ConfigMap changes reach SRS (inotify), and add-origin can force a reload (raw API). */
import type {Draft, Rule} from '../types.js'
import {srsContainer, templateOf} from '../workload.js'

export const inotifyReloadRule: Rule = {
  id: 'inotify-reload',
  severity: 'warning',
  title: 'ConfigMap changes reload SRS',
  check(w, input): Draft | undefined {
    if (w.config.kind !== 'configmap' || w.config.problem) return undefined
    const c = srsContainer(w, input)
    const volumes = templateOf(w, input)?.spec.volumes ?? []
    const mount = c?.volumeMounts?.find((m) => volumes.find((v) => v.name === m.name)?.configMap?.name === w.config.configMap && m.subPath)
    if (mount) {
      return {
        severity: 'warning',
        found: `${w.config.configMap} is mounted with subPath ${mount.subPath}: the file never changes in a running pod`,
        why: 'Kubernetes does not update subPath mounts, so every ConfigMap change waits for the next pod restart',
        fix: `# mount the ConfigMap as the conf directory, without subPath\nvolumeMounts:\n- name: ${mount.name}\n  mountPath: ${w.config.path.replace(/\/[^/]+$/, '')}`,
      }
    }
    const s = w.settings.global.inotifyAutoReload
    if (s.value) return undefined
    return {
      severity: 'warning',
      found: `inotify_auto_reload is off (${s.source === 'default' ? 'the default' : `set in ${s.source}`}) for ConfigMap ${w.config.configMap}`,
      why: 'ConfigMap edits then change the file but not the running SRS; auto_reload_for_docker turns inotify on only when SRS finds /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show',
      fix: `# srs.conf, top level (ConfigMap ${w.config.configMap}, key ${w.config.key})\ninotify_auto_reload    on;`,
    }
  },
}

export const rawApiReloadRule: Rule = {
  id: 'raw-api-reload',
  severity: 'warning',
  title: 'raw API reload for add-origin',
  check(w): Draft | undefined {
    const needs = w.role === 'origin-cluster' || (w.role === 'edge' && w.origins.length > 0)
    if (!needs) return undefined
    const g = w.settings.global
    const off = [!g.httpApiEnabled.value && 'http_api.enabled', !g.rawApiEnabled.value && 'http_api.raw_api.enabled', !g.rawApiAllowReload.value && 'http_api.raw_api.allow_reload'].filter((x): x is string => Boolean(x))
    if (off.length === 0) return undefined
    const where = w.config.kind === 'configmap' ? `ConfigMap ${w.config.configMap}, key ${w.config.key}` : 'no ConfigMap: use SRS_HTTP_API_RAW_API_ENABLED=on and SRS_HTTP_API_RAW_API_ALLOW_RELOAD=on on SRS 5+'
    return {
      severity: 'warning',
      found: `${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} off on ${w.role === 'edge' ? 'an edge that lists origins' : 'an origin cluster member'}`,
      why: `add-origin rewrites the ${w.role === 'edge' ? 'origin' : 'coworkers'} list and reloads through /api/v1/raw?rpc=reload when inotify does not fire`,
      fix: `# srs.conf (${where}); keep the API port off public Services\nhttp_api {\n    enabled         on;\n    listen          ${w.apiPort};\n    raw_api {\n        enabled         on;\n        allow_reload    on;\n    }\n}`,
    }
  },
}
