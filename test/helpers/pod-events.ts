/** Pod events of a selector as kubectl's watch prints them: a pod's last state before it goes (the container's terminated state says quit or SIGKILL). */
import {spawn, type ChildProcess} from 'node:child_process'
import {KUBECONFIG} from './cli.js'

export interface PodEvent {
  at: number
  type: string
  name: string
  deleting: boolean
  terminated?: {exitCode: number; reason?: string; message?: string}
}

/** Pod events of a selector as they arrive, each stamped with the local time it was seen. */
export function watchPods(ns: string, selector: string): {events: PodEvent[]; stop: () => void} {
  const events: PodEvent[] = []
  const child: ChildProcess = spawn('kubectl', ['--kubeconfig', KUBECONFIG, 'get', 'pods', '-n', ns, '-l', selector, '--watch', '--output-watch-events', '-o', 'json'], {stdio: ['ignore', 'pipe', 'ignore']})
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    // with --output-watch-events kubectl prints one event per line
    let end: number
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
      if (!line.trim()) continue
      const ev = JSON.parse(line) as {
        type: string
        object: {metadata: {name: string; deletionTimestamp?: string}; status?: {containerStatuses?: {name: string; state?: {terminated?: PodEvent['terminated']}}[]}}
      }
      const srsState = ev.object.status?.containerStatuses?.find((c) => c.name === 'srs')?.state
      events.push({at: Date.now(), type: ev.type, name: ev.object.metadata.name, deleting: Boolean(ev.object.metadata.deletionTimestamp), terminated: srsState?.terminated})
    }
  })
  return {events, stop: () => child.kill()}
}
