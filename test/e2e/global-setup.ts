import {execFileSync} from 'node:child_process'
import path from 'node:path'

/** Starts the local control plane once for the whole e2e run (idempotent; reused when up). */
export default function globalSetup(): void {
  const root = path.resolve(import.meta.dirname, '../..')
  execFileSync('bash', [path.join(root, 'test/cluster/cluster.sh'), 'up'], {stdio: 'inherit'})
}
