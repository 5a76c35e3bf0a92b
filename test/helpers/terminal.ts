/** The built plugin in a pseudo-terminal (script from util-linux), with keys typed into it. */
import {spawn} from 'node:child_process'
import {BIN, eventually, KUBECONFIG} from './cli.js'

export interface Terminal {
  /** Everything the terminal showed so far, escapes included. */
  output(): string
  /** Types keys, as a user at the terminal does. */
  type(keys: string): void
  /** The exit code of the plugin (script -e passes it on). */
  closed: Promise<number | null>
  /** Polls until the screen shows `pattern` since `from` (an output length), and returns the text from there. */
  waitFor(what: string, pattern: RegExp, opts?: {from?: number; timeoutMs?: number}): Promise<string>
}

/**
 * `kubectl srs ARGS` in a terminal of `cols` × `rows`. The shell execs kubectl, which execs the
 * plugin, so keys and the exit code are the plugin's. Killed after `killAfterMs`, so a test that
 * fails leaves nothing running.
 */
export function inTerminal(args: string[], opts: {cols: number; rows: number; killAfterMs?: number}): Terminal {
  const child = spawn('script', ['-qfec', `stty cols ${opts.cols} rows ${opts.rows}; exec kubectl srs ${args.join(' ')}`, '/dev/null'], {
    env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 60_000)
  void closed.finally(() => clearTimeout(guard))
  return {
    output: () => out,
    type: (keys) => void child.stdin.write(keys),
    closed,
    waitFor: (what, pattern, w = {}) =>
      eventually(
        what,
        () => {
          const seen = out.slice(w.from ?? 0)
          return pattern.test(seen) ? seen : undefined
        },
        {timeoutMs: w.timeoutMs ?? 30_000, intervalMs: 100},
      ),
  }
}
