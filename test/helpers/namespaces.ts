/** Namespaces of one e2e test file on the shared cluster. */
import {afterAll} from '@jest/globals'
import {createNamespace, eventually, kubectl, kubectlJson} from './cli.js'

/**
 * A function that makes a fresh namespace, applies `yaml` in it and waits until `runningPods` of
 * its pods run, returning its name; every namespace it made is deleted after the file.
 */
export function namespacesOfThisFile(): (prefix: string, yaml: string, runningPods: number) => Promise<string> {
  const made: {remove: () => void}[] = []
  afterAll(() => made.forEach((n) => n.remove()))
  return async (prefix, yaml, runningPods) => {
    const ns = createNamespace(prefix)
    made.push(ns)
    kubectl(['apply', '-n', ns.name, '-f', '-'], yaml)
    await eventually(`${runningPods} pods Running`, () => kubectlJson<{items: {status: {phase: string}}[]}>(['get', 'pods', '-n', ns.name]).items.filter((p) => p.status.phase === 'Running').length >= runningPods)
    return ns.name
  }
}
